import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConnectionCounter } from '../../src/limits/connections.ts';
import { autoMaxConnections, readFdLimits } from '../../src/limits/fd-limits.ts';
import { frameAllowed, newFrameWindow } from '../../src/limits/frame-counter.ts';
import { createCreationLimits } from '../../src/limits/keyed-limits.ts';
import { TokenBuckets } from '../../src/limits/token-bucket.ts';

test('token buckets: a burst, then the rate; each client has its own; Retry-After in whole seconds', () => {
  let now = 0;
  const b = new TokenBuckets(10, 20, () => now);
  for (let i = 0; i < 20; i++) assert.equal(b.take('a'), 0, `burst ${i}`);
  assert.equal(b.take('a'), 1);
  assert.equal(b.take('b'), 0);
  now += 100; // one token back
  assert.equal(b.take('a'), 0);
  assert.equal(b.take('a'), 1);
  now += 10_000;
  for (let i = 0; i < 20; i++) assert.equal(b.take('a'), 0);
  const slow = new TokenBuckets(0.25, 1, () => now);
  assert.equal(slow.take('c'), 0);
  assert.equal(slow.take('c'), 4);
});

test('token buckets forget clients whose bucket refilled', () => {
  let now = 0;
  const b = new TokenBuckets(100, 200, () => now);
  for (let i = 0; i < 1000; i++) b.take(`10.0.${i >> 8}.${i & 255}`);
  assert.equal(b.size, 1000);
  now += 20_000;
  b.take('x');
  assert.equal(b.size, 1);
});

test('connections: per-client and total caps, released slots come back, 0 means no cap', () => {
  const c = new ConnectionCounter(2, 3);
  assert.equal(c.acquire('a'), undefined);
  assert.equal(c.acquire('a'), undefined);
  assert.equal(c.acquire('a'), 'client');
  assert.equal(c.acquire('b'), undefined);
  assert.equal(c.acquire('c'), 'server');
  assert.equal(c.check('c'), 'server');
  c.release('a');
  assert.equal(c.of('a'), 1);
  assert.equal(c.acquire('c'), undefined);
  assert.equal(c.total, 3);
  const free = new ConnectionCounter(0, 0);
  for (let i = 0; i < 1000; i++) assert.equal(free.acquire('a'), undefined);
  assert.equal(free.total, 1000);
  assert.equal(free.of('a'), 0); // per-client counts are not kept without a per-client cap
});

test('frames: a fixed one-second window per socket; 0 means no limit', () => {
  const w = newFrameWindow();
  for (let i = 0; i < 3; i++) assert.ok(frameAllowed(w, 5000, 3));
  assert.ok(!frameAllowed(w, 5999, 3));
  assert.ok(frameAllowed(w, 6000, 3));
  const free = newFrameWindow();
  for (let i = 0; i < 1000; i++) assert.ok(frameAllowed(free, 0, 0));
});

test('open-file limits are read from /proc/self/limits; the default cap keeps a reserve', () => {
  const sample = 'Max processes             63431                63431                processes\nMax open files            1024                 524288               files     \n';
  assert.deepEqual(readFdLimits(sample), { soft: 1024, hard: 524288 });
  assert.deepEqual(readFdLimits('Max open files            unlimited            unlimited            files\n'), { soft: null, hard: null });
  assert.deepEqual(readFdLimits(''), { soft: null, hard: null });
  assert.equal(autoMaxConnections({ soft: 1024, hard: 524288 }), 768);
  assert.equal(autoMaxConnections({ soft: 1_048_576, hard: 1_048_576 }), 1_048_576 - 1024);
  assert.equal(autoMaxConnections({ soft: null, hard: null }), 0);
  const real = readFdLimits();
  if (process.platform === 'linux') assert.ok(real.soft !== null && real.soft > 0 && real.soft <= (real.hard ?? Infinity));
});

test('creation limits (rate-limiter-flexible): N per minute per key, then the seconds to wait; 0 is off', async () => {
  const l = createCreationLimits({ newInboxesPerMin: 2, registrationsPerMin: 0, roomsPerMin: 1 });
  assert.equal(l.registrations, null);
  assert.equal(await l.newInboxes!.take('a'), 0);
  assert.equal(await l.newInboxes!.take('a'), 0);
  const wait = await l.newInboxes!.take('a');
  assert.ok(wait >= 1 && wait <= 60, String(wait));
  assert.equal(await l.newInboxes!.take('b'), 0);
  // Separate limiters do not share counts.
  assert.equal(await l.rooms!.take('a'), 0);
  assert.ok((await l.rooms!.take('a')) > 0);
});
