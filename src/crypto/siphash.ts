/**
 * SipHash-2-4 with its 128-bit output (Aumasson and Bernstein, "SipHash: a
 * fast short-input PRF"): a keyed hash that costs a password-sized input a
 * few hundred JavaScript operations, where a call into native SHA-256 pays a
 * larger fixed price first. JavaScript has no cheap 64-bit integers, so each
 * 64-bit word is two 32-bit halves held in locals (a state array, or a
 * function per step, measured 2–4 times slower). Checked against the
 * reference vectors in test/crypto/siphash.test.ts.
 */

/** A 128-bit key as the four little-endian 32-bit words SipHash reads it as. */
export function sipHashKey(key: Uint8Array): Int32Array {
  if (key.length !== 16) throw new RangeError('a SipHash key has 16 bytes');
  return Int32Array.of(word(key, 0), word(key, 4), word(key, 8), word(key, 12));
}

/** Little-endian 32-bit word at data[at]. */
function word(data: Uint8Array, at: number): number {
  return data[at] | (data[at + 1] << 8) | (data[at + 2] << 16) | (data[at + 3] << 24);
}

/** The 16 output bytes, little-endian from the halves of its two 64-bit words, as one flat string. */
function chars(a: number, b: number, c: number, d: number): string {
  return String.fromCharCode(
    a & 0xff, (a >>> 8) & 0xff, (a >>> 16) & 0xff, a >>> 24, b & 0xff, (b >>> 8) & 0xff, (b >>> 16) & 0xff, b >>> 24,
    c & 0xff, (c >>> 8) & 0xff, (c >>> 16) & 0xff, c >>> 24, d & 0xff, (d >>> 8) & 0xff, (d >>> 16) & 0xff, d >>> 24,
  );
}

/**
 * SipHash-2-4-128 of data[start, end) under `key` (from sipHashKey), as a
 * 16-char latin1 string: the 16 output bytes in order, one char each.
 *
 * Three kinds of step, each a few SipRounds: two per message word (the last
 * word holds the 0–7 bytes left and the length's low byte), then four after
 * v2 ^= 0xee for the first half of the output, then four after v1 ^= 0xdd for
 * the second (the rounds are written once, in the loop).
 */
export function sipHash128(key: Int32Array, data: Uint8Array, start: number, end: number): string {
  const k0l = key[0], k0h = key[1], k1l = key[2], k1h = key[3];
  let v0l = k0l ^ 0x70736575, v0h = k0h ^ 0x736f6d65;
  let v1l = k1l ^ 0x6e646f6d ^ 0xee, v1h = k1h ^ 0x646f7261;
  let v2l = k0l ^ 0x6e657261, v2h = k0h ^ 0x6c796765;
  let v3l = k1l ^ 0x79746573, v3h = k1h ^ 0x74656462;
  const length = end - start;
  const words = (length >> 3) + 1;
  const full = start + (length & ~7);
  let at = start;
  let ml = 0, mh = 0;
  let firstLow = 0, firstHigh = 0;
  for (let step = 0; step < words + 2; step++) {
    let rounds = 4;
    if (step < words) {
      if (at < full) {
        ml = word(data, at);
        mh = word(data, at + 4);
        at += 8;
      } else {
        ml = 0;
        mh = (length & 0xff) << 24;
        for (let i = 0; at + i < end; i++) {
          if (i < 4) ml |= data[at + i] << (8 * i);
          else mh |= data[at + i] << (8 * (i - 4));
        }
      }
      v3l ^= ml; v3h ^= mh;
      rounds = 2;
    } else if (step === words) {
      v2l ^= 0xee;
    } else {
      firstLow = v0l ^ v1l ^ v2l ^ v3l;
      firstHigh = v0h ^ v1h ^ v2h ^ v3h;
      v1l ^= 0xdd;
    }
    for (let r = 0; r < rounds; r++) {
      // SipRound: (v0 += v1, v1 <<<= 13, v1 ^= v0, v0 <<<= 32), (v2 += v3, v3 <<<= 16, v3 ^= v2),
      // (v0 += v3, v3 <<<= 21, v3 ^= v0), (v2 += v1, v1 <<<= 17, v1 ^= v2, v2 <<<= 32).
      let low = (v0l + v1l) | 0;
      v0h = (v0h + v1h + ((((v0l & v1l) | ((v0l | v1l) & ~low)) >>> 31))) | 0; v0l = low;
      let t = v1h; v1h = (v1h << 13) | (v1l >>> 19); v1l = (v1l << 13) | (t >>> 19);
      v1l ^= v0l; v1h ^= v0h;
      t = v0l; v0l = v0h; v0h = t;
      low = (v2l + v3l) | 0;
      v2h = (v2h + v3h + ((((v2l & v3l) | ((v2l | v3l) & ~low)) >>> 31))) | 0; v2l = low;
      t = v3h; v3h = (v3h << 16) | (v3l >>> 16); v3l = (v3l << 16) | (t >>> 16);
      v3l ^= v2l; v3h ^= v2h;
      low = (v0l + v3l) | 0;
      v0h = (v0h + v3h + ((((v0l & v3l) | ((v0l | v3l) & ~low)) >>> 31))) | 0; v0l = low;
      t = v3h; v3h = (v3h << 21) | (v3l >>> 11); v3l = (v3l << 21) | (t >>> 11);
      v3l ^= v0l; v3h ^= v0h;
      low = (v2l + v1l) | 0;
      v2h = (v2h + v1h + ((((v2l & v1l) | ((v2l | v1l) & ~low)) >>> 31))) | 0; v2l = low;
      t = v1h; v1h = (v1h << 17) | (v1l >>> 15); v1l = (v1l << 17) | (t >>> 15);
      v1l ^= v2l; v1h ^= v2h;
      t = v2l; v2l = v2h; v2h = t;
    }
    if (step < words) {
      v0l ^= ml; v0h ^= mh;
    }
  }
  return chars(firstLow, firstHigh, v0l ^ v1l ^ v2l ^ v3l, v0h ^ v1h ^ v2h ^ v3h);
}
