import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Metrics, type Gauges } from '../../src/metrics.ts';
import { startServer } from '../helpers/server.ts';
import { FakeTime } from '../helpers/fake-time.ts';

function gauges(counter: { inboxes: number }): Gauges {
  return {
    inboxes: async () => counter.inboxes,
    messages: async () => 0,
    queuedBytes: async () => 0,
    longPolls: () => 0,
    websockets: () => 0,
  };
}

const value = (bytes: Uint8Array, name: string) =>
  Number(Buffer.from(bytes).toString().split('\n').find((l) => l.startsWith(`${name} `))?.split(' ')[1]);

test('two requests within maxAgeMs render once; the next one after it renders again', async () => {
  const time = new FakeTime();
  const live = { inboxes: 1 };
  const metrics = new Metrics(gauges(live), { clock: time, maxAgeMs: 1000 });
  const first = await metrics.render();
  assert.equal(metrics.renders, 1);
  live.inboxes = 2;
  time.advance(999);
  const second = await metrics.render();
  assert.equal(metrics.renders, 1, 'served from the cache');
  assert.equal(second, first, 'the same bytes');
  assert.equal(value(second, 'signalbox_inboxes'), 1);
  time.advance(1);
  const third = await metrics.render();
  assert.equal(metrics.renders, 2);
  assert.equal(value(third, 'signalbox_inboxes'), 2);
});

test('requests that come during a render share it', async () => {
  const time = new FakeTime();
  const metrics = new Metrics(gauges({ inboxes: 3 }), { clock: time });
  const all = await Promise.all(Array.from({ length: 50 }, () => metrics.render()));
  assert.equal(metrics.renders, 1);
  assert.ok(all.every((b) => b === all[0]));
  // even with no caching at all, concurrent requests share the render in progress
  const uncached = new Metrics(gauges({ inboxes: 3 }), { clock: time, maxAgeMs: 0 });
  await Promise.all([uncached.render(), uncached.render(), uncached.render()]);
  assert.equal(uncached.renders, 1);
  await uncached.render();
  assert.equal(uncached.renders, 2);
});

test('a failed render is not cached: the next request renders again', async () => {
  const time = new FakeTime();
  let fail = true;
  const metrics = new Metrics({
    ...gauges({ inboxes: 0 }),
    inboxes: async () => {
      if (fail) throw new Error('store down');
      return 5;
    },
  }, { clock: time });
  await assert.rejects(metrics.render(), /store down/);
  fail = false;
  assert.equal(value(await metrics.render(), 'signalbox_inboxes'), 5);
  assert.equal(metrics.renders, 2);
});

test('over HTTP with the default cache: requests within a second are served one rendering', async () => {
  const server = await startServer({}, { metrics: {} }); // the production default: 1 s of real time
  try {
    const before = server.app.metrics.renders;
    const started = performance.now();
    const texts = [];
    for (let i = 0; i < 5; i++) {
      const r = await fetch(`${server.url}/__metrics__`);
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('cache-control'), 'no-store');
      texts.push(await r.text());
    }
    // One render per started second at most (exactly one when the five took under a second).
    const allowed = 1 + Math.floor((performance.now() - started) / 1000);
    const renders = server.app.metrics.renders - before;
    assert.ok(renders >= 1 && renders <= allowed, `rendered ${renders} times, allowed ${allowed}`);
    assert.match(texts[0], /^signalbox_queued_bytes 0$/m);
    assert.match(texts[0], new RegExp(`^signalbox_queued_bytes_limit ${server.config.maxQueuedBytes}$`, 'm'));
  } finally {
    await server.close();
  }
});
