import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { pinNow, systemClock, unpinNow } from '../../src/clock.ts';
import { HttpServer } from '../../src/http/server.ts';
import { loadUwsCore } from '../../src/http/uws.ts';
import { createLogger } from '../../src/logger.ts';

test('systemClock answers the pinned time until unpinned, then the live time again', () => {
  const before = systemClock.now();
  pinNow(performance.now() + 10_000);
  let pinned: number;
  try {
    pinned = systemClock.now();
    assert.ok(pinned >= before + 10_000, `pinned ${pinned} should be 10 s past ${before}`);
    assert.equal(systemClock.now(), pinned);
  } finally {
    unpinNow();
  }
  const live = systemClock.now();
  assert.ok(live >= before && live < pinned, `live ${live} should be between ${before} and ${pinned}`);
});

// A handler's synchronous part sees one time (the request's); what runs after the callback sees the clock move again.
let http: HttpServer;
let base: string;
const seen: { during: number[]; later: number | undefined } = { during: [], later: undefined };
before(async () => {
  http = new HttpServer(loadUwsCore(), createLogger('silent'), () => {});
  http.route('get', '/clock', 'clock', { noBody: true }, (_req, reply) => {
    seen.during.push(systemClock.now());
    const until = performance.now() + 2;
    while (performance.now() < until); // 2 ms pass inside the callback
    seen.during.push(systemClock.now());
    setImmediate(() => {
      seen.later = systemClock.now();
      reply.send(204, []);
    });
  });
  base = `http://127.0.0.1:${await http.listen('127.0.0.1', 0)}`;
});
after(() => http.closeAll());

test('the HTTP layer pins the clock for a request callback and unpins it when the callback returns', async () => {
  const res = await fetch(`${base}/clock`);
  assert.equal(res.status, 204);
  const [first, second] = seen.during;
  assert.equal(second, first, 'the clock stood still within the callback');
  assert.ok(seen.later! >= first + 2, `after the callback the clock moved on (${seen.later} vs ${first})`);
});
