import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { NonceStore } from '../../src/store/memory/nonces.ts';

/** The reference: a Map of key to expiry, every nonce with the same lifetime (as Hawk gives them). */
class Reference {
  readonly expiries = new Map<string, number>();
  constructor(private readonly max: number) {}
  claim(key: string, now: number, ttl: number): string {
    for (const [k, e] of this.expiries) if (e <= now) this.expiries.delete(k);
    const e = this.expiries.get(key);
    if (e !== undefined) return 'replay';
    if (this.expiries.size >= this.max) return 'full';
    this.expiries.set(key, now + ttl);
    return 'claimed';
  }
}

/** 16-char latin1 keys (as nonceKey makes them) that share their first word: the same home slot in the index. */
const colliding = (i: number) => 'SAME' + String(i).padStart(12, '0');
/** Distinct 16-char keys with a well-spread first word (as a digest's), i in the second. */
const spread = (i: number) => {
  const h = Math.imul(i ^ 0x5bd1e995, 0x9e3779b1) ^ (i >>> 13);
  const bytes = [h, h >>> 8, h >>> 16, h >>> 24, i, i >>> 8, i >>> 16, i >>> 24].map((b) => b & 0xff);
  return String.fromCharCode(...bytes) + 'nonce...';
};

test('nonce table: agrees with a Map under random claims, clock advances and sweeps (colliding keys, wrap-around, growth)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 3000 }),
      fc.array(fc.oneof(
        fc.record({ op: fc.constant('claim' as const), key: fc.integer({ min: 0, max: 4000 }), collide: fc.boolean() }),
        fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 400 }) }),
        fc.record({ op: fc.constant('sweep' as const) }),
        fc.record({ op: fc.constant('burst' as const), from: fc.integer({ min: 0, max: 100_000 }), n: fc.integer({ min: 1, max: 1500 }) }),
      ), { maxLength: 200 }),
      (max, ops) => {
        let now = 0;
        const ttl = 1000;
        const table = new NonceStore(max, () => now);
        const ref = new Reference(max);
        for (const [i, o] of ops.entries()) {
          if (o.op === 'advance') now += o.ms;
          else if (o.op === 'sweep') table.sweep();
          else if (o.op === 'claim') {
            const key = o.collide ? colliding(o.key) : spread(o.key);
            assert.equal(table.claim(key, ttl), ref.claim(key, now, ttl), `op ${i}: ${JSON.stringify(o)}`);
          } else {
            for (let k = o.from; k < o.from + o.n; k++) {
              const key = k % 3 === 0 ? colliding(k) : spread(k);
              assert.equal(table.claim(key, ttl), ref.claim(key, now, ttl), `op ${i} key ${k}`);
            }
          }
          for (const [k, e] of ref.expiries) if (e <= now) ref.expiries.delete(k);
          table.sweep();
          assert.equal(table.size, ref.expiries.size, `op ${i}: size`);
        }
        for (const key of ref.expiries.keys()) assert.equal(table.claim(key, ttl), 'replay', 'every live nonce is still known');
      },
    ),
    { numRuns: 60 },
  );
});

test('nonce table: expired nonces leave the index without losing the live ones behind them in a probe run, across the index end too', () => {
  // 'SAME' and '\xfe\x07\0\0' put every key at one home slot: the middle of the first index, and its last slot but one.
  for (const prefix of ['SAME', '\xfe\x07\x00\x00']) {
    let now = 0;
    const table = new NonceStore(10_000, () => now);
    const key = (i: number) => prefix + String(i).padStart(12, '0');
    for (let i = 0; i < 300; i++) assert.equal(table.claim(key(i), 1000), 'claimed');
    now = 500;
    for (let i = 1000; i < 1300; i++) assert.equal(table.claim(key(i), 1000), 'claimed');
    for (let i = 0; i < 200; i++) assert.equal(table.claim(spread(i), 1000), 'claimed');
    now = 1000; // the first 300 expire
    table.sweep();
    assert.equal(table.size, 500, prefix);
    for (let i = 1000; i < 1300; i++) assert.equal(table.claim(key(i), 1000), 'replay', `${JSON.stringify(prefix)} ${i}`);
    for (let i = 0; i < 200; i++) assert.equal(table.claim(spread(i), 1000), 'replay');
    for (let i = 0; i < 300; i++) assert.equal(table.claim(key(i), 1000), 'claimed', 'an expired one is claimable again');
  }
});

test('nonce table: an entry whose home is past the index end stays where its probe finds it when an earlier one goes', () => {
  // Index of 2048 slots: A and B have home 2046 (slots 2046, 2047), C home 0 (slot 0). A expires: B moves back, C must not.
  let now = 0;
  const table = new NonceStore(100, () => now);
  const [a, b, c] = ['\xfe\x07\x00\x00 nonce A....', '\xfe\x07\x00\x00 nonce B....', '\x00\x08\x00\x00 nonce C....'];
  assert.ok([a, b, c].every((k) => k.length === 16), 'digest-sized keys, used as they are');
  assert.equal(table.claim(a, 1000), 'claimed');
  now = 500;
  assert.equal(table.claim(b, 1000), 'claimed');
  assert.equal(table.claim(c, 1000), 'claimed');
  now = 1000;
  table.sweep();
  assert.deepEqual([table.claim(b, 1000), table.claim(c, 1000), table.size], ['replay', 'replay', 2]);
});

test('nonce table: keys of any length and any characters are told apart (hashed first), and a key never forgets its lifetime', () => {
  let now = 0;
  const table = new NonceStore(100, () => now);
  for (const key of ['n', 'n2', 'ü', '😀', 'x'.repeat(2000), 'x'.repeat(2001)]) assert.equal(table.claim(key, 100), 'claimed', key.slice(0, 5));
  for (const key of ['n', 'n2', 'ü', '😀', 'x'.repeat(2000), 'x'.repeat(2001)]) assert.equal(table.claim(key, 100), 'replay', key.slice(0, 5));
  // 16 chars, one not latin1: packed as bytes it would read as the second key; it is hashed instead.
  assert.equal(table.claim('\u0100' + 'x'.repeat(15), 100), 'claimed');
  assert.equal(table.claim('\x00y' + 'x'.repeat(14), 100), 'claimed');
  now = 99;
  assert.equal(table.claim('n', 100), 'replay');
  now = 100;
  assert.equal(table.claim('n', 100), 'claimed');
  assert.equal(table.size, 1, 'the others expired at the front');
});

test('nonce table: a million nonces, then all expired: the memory goes back on sweeps', () => {
  let now = 0;
  const table = new NonceStore(2_000_000, () => now);
  for (let i = 0; i < 1_000_000; i++) assert.equal(table.claim(spread(i), 1000), 'claimed');
  assert.equal(table.size, 1_000_000);
  assert.equal(table.claim(spread(123_456), 1000), 'replay');
  now = 1000;
  for (let i = 0; i < 12; i++) table.sweep();
  assert.equal(table.size, 0);
  assert.equal(table.claim(spread(123_456), 1000), 'claimed');
});
