import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Metrics, type Gauges } from '../../src/metrics.ts';
import { startServer } from '../helpers/server.ts';
import { FakeTime } from '../helpers/fake-time.ts';

function gauges(counter: { inboxes: number }): Gauges {
  return {
    storeStats: async () => ({ inboxes: counter.inboxes, messages: 0, bytes: 0 }),
    storageUp: async () => true,
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

test('a store that does not answer: its counts show NaN and storage_up 0, the rest is served; the store is read once per rendering', async () => {
  const time = new FakeTime();
  let up = false;
  let reads = 0;
  const metrics = new Metrics({
    ...gauges({ inboxes: 0 }),
    storeStats: async () => {
      reads++;
      if (!up) throw new Error('store down');
      return { inboxes: 5, messages: 2, bytes: 30 };
    },
    storageUp: async () => up,
  }, { clock: time });
  metrics.storeError();
  const down = await metrics.render();
  for (const name of ['signalbox_inboxes', 'signalbox_messages_queued', 'signalbox_queued_bytes']) assert.ok(Number.isNaN(value(down, name)), name);
  assert.equal(value(down, 'signalbox_storage_up'), 0);
  assert.equal(value(down, 'signalbox_store_background_errors_total'), 1);
  assert.ok(value(down, 'signalbox_process_cpu_seconds_total') >= 0, 'the process metrics are served');
  assert.equal(reads, 1, 'one store call for the three gauges');
  up = true;
  time.advance(1000);
  const back = await metrics.render();
  assert.deepEqual(['signalbox_inboxes', 'signalbox_messages_queued', 'signalbox_queued_bytes', 'signalbox_storage_up'].map((n) => value(back, n)), [5, 2, 30, 1]);
  assert.equal(reads, 2);
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
