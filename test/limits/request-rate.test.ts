import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RequestRate } from '../../src/limits/request-rate.ts';
import { TokenBuckets } from '../../src/limits/token-bucket.ts';

/** A seeded generator (mulberry32), so that every run samples the same requests. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One request from `key`, the way ClientGate admits it: true when admitted. */
function admit(rate: RequestRate, key: string, reads: { n: number }): boolean {
  const cost = rate.due();
  if (cost === 0) return true;
  reads.n++;
  return rate.charge(key, cost) === 0;
}

test('a limit too small to sample (burst ≤ 2 × sampleEvery) charges every request, exactly', () => {
  let now = 0;
  const rate = new RequestRate(new TokenBuckets(5, 10, () => now), 8, seeded(1));
  assert.equal(rate.exact, true);
  const reads = { n: 0 };
  const passed = Array.from({ length: 30 }, () => admit(rate, 'a', reads)).filter(Boolean).length;
  assert.equal(passed, 10, 'the burst, not one more');
  assert.equal(reads.n, 30, 'every request was charged');
  now += 200; // one token back
  assert.equal(admit(rate, 'a', reads), true);
  assert.equal(admit(rate, 'a', reads), false);
  assert.equal(rate.exact, true, 'stays exact');
});

test('sampled regime: about one request in sampleEvery reads its client; a lone flood passes at most one gap beyond its bucket, then every request is counted', () => {
  let now = 0;
  const rate = new RequestRate(new TokenBuckets(200, 400, () => now), 8, seeded(2));
  assert.equal(rate.exact, false);
  const reads = { n: 0 };
  // Below the limit: 1,000 requests over 10 s from one client (100/s).
  for (let i = 0; i < 1000; i++) {
    now += 10;
    assert.equal(admit(rate, 'calm', reads), true, `request ${i}`);
  }
  assert.ok(reads.n >= 1000 / 8 / 2 && reads.n <= (1000 / 8) * 2, `about 1 in 8 charged (${reads.n})`);
  assert.equal(rate.exact, false);
  // A flood from one address, all at once: no time passes, nothing refills.
  let passed = 0;
  let firstRefused = -1;
  for (let i = 0; i < 2000; i++) {
    if (admit(rate, 'flood', reads)) passed++;
    else if (firstRefused < 0) firstRefused = i;
  }
  assert.ok(passed >= 400 - 15 && passed <= 400 + 15, `the burst of 400, give or take one gap (${passed})`);
  assert.equal(rate.exact, true, 'a client at its limit turns exact counting on');
  // From the first refusal on, every request was charged and refused.
  assert.equal(passed, firstRefused, 'nothing passed after the first refusal');
});

test('a flood among calm clients: the flood is held to its rate; calm clients are never refused', () => {
  let now = 0;
  const rate = new RequestRate(new TokenBuckets(200, 400, () => now), 8, seeded(3));
  const reads = { n: 0 };
  let flood = 0;
  let calmRefused = 0;
  // 5 s: every ms the flood sends 2 requests (2,000/s) and one of 20 calm clients sends one (50/s each).
  for (let ms = 0; ms < 5000; ms++) {
    now = ms;
    for (let k = 0; k < 2; k++) if (admit(rate, 'flood', reads)) flood++;
    if (!admit(rate, `calm-${ms % 20}`, reads)) calmRefused++;
  }
  assert.equal(calmRefused, 0, 'no calm client was refused');
  const allowed = 400 + 200 * 5;
  assert.ok(flood <= allowed + 2 * 16, `flood held to burst + rate × time (${flood} ≤ ${allowed} + slack)`);
  assert.ok(flood >= allowed - 2 * 16, `and given what it is owed (${flood})`);
});

test('exact counting ends once the client near its limit would have refilled; sampling resumes', () => {
  let now = 0;
  const rate = new RequestRate(new TokenBuckets(200, 400, () => now), 8, seeded(4));
  const reads = { n: 0 };
  while (admit(rate, 'flood', reads));
  assert.equal(rate.exact, true);
  now += 50; // 10 tokens back: still within the 16-token margin
  admit(rate, 'other', reads);
  assert.equal(rate.exact, true);
  now += 100; // 30 tokens back in all: past the margin
  admit(rate, 'other', reads);
  assert.equal(rate.exact, false);
  const before = reads.n;
  for (let i = 0; i < 200; i++) admit(rate, 'other', reads);
  assert.ok(reads.n - before < 200 / 3, `sampled again (${reads.n - before} of 200 charged)`);
  assert.equal(rate.exact, false);
});
