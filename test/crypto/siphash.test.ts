import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sipHash128, sipHashKey } from '../../src/crypto/siphash.ts';

// The reference implementation's vectors (vectors_sip128 in github.com/veorq/SipHash): key 00 01 … 0f,
// message i = the i bytes 00 01 … (i-1). These lengths cover every tail length (0–7) and several words.
const VECTORS: Record<number, string> = {
  0: 'a3817f04ba25a8e66df67214c7550293',
  1: 'da87c1d86b99af44347659119b22fc45',
  2: '8177228da4a45dc7fca38bdef60affe4',
  3: '9c70b60c5267a94e5f33b6b02985ed51',
  4: 'f88164c12d9c8faf7d0f6e7c7bcd5579',
  5: '1368875980776f8854527a07690e9627',
  6: '14eeca338b208613485ea0308fd7a15e',
  7: 'a1f1ebbed8dbc153c0b84aa61ff08239',
  8: '3b62a9ba6258f5610f83e264f31497b4',
  15: '5493e99933b0a8117e08ec0f97cfc3d9',
  16: '6ee2a4ca67b054bbfd3315bf85230577',
  63: '5150d1772f50834a503e069a973fbd7c',
};

const key = sipHashKey(Uint8Array.from({ length: 16 }, (_, i) => i));
const hex = (digest: string): string => Buffer.from(digest, 'latin1').toString('hex');
const message = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => i);

test('SipHash-2-4-128 gives the reference vectors', () => {
  for (const [n, expected] of Object.entries(VECTORS)) assert.equal(hex(sipHash128(key, message(Number(n)), 0, Number(n))), expected, `length ${n}`);
});

test('it hashes data[start, end) only, whatever lies around it', () => {
  const padded = Buffer.concat([Buffer.from([0xff, 0xfe, 0xfd]), message(15), Buffer.from([0xaa, 0xbb])]);
  assert.equal(hex(sipHash128(key, padded, 3, 18)), VECTORS[15]);
});

test('a 16-char latin1 string, and the key matters', () => {
  const digest = sipHash128(key, message(8), 0, 8);
  assert.equal(digest.length, 16);
  assert.ok([...digest].every((c) => c.charCodeAt(0) <= 0xff));
  const other = sipHashKey(Uint8Array.from({ length: 16 }, (_, i) => i + 1));
  assert.notEqual(sipHash128(other, message(8), 0, 8), digest);
});

test('a key must have 16 bytes', () => {
  assert.throws(() => sipHashKey(new Uint8Array(32)), RangeError);
});
