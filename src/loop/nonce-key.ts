import { latin1Write } from '../bytes.ts';
import { sipHash128, sipHashKey } from '../crypto/siphash.ts';

/**
 * The replay-cache key of a Hawk request: a 128-bit digest of
 * `key:ts:nonce` (16 latin1 chars), not the text itself (some 90 chars).
 * The nonce store holds one entry per signed request for two minutes, so at
 * tens of thousands of signed requests a second its size is the Loop
 * layer's largest memory cost; a flat 16-char key is about a third of the
 * text's. Two requests share a key only if their triples are equal, or by a
 * 2^-128 chance, which could only refuse a request as a replay, never let
 * one through. The SipHash key is fixed (not a secret: the Hawk key in the
 * input is), so every node computes the same keys.
 */
const KEY = sipHashKey(Buffer.from('signalbox nonces'));
/** Room for the longest triple the fast path or hawk lets through (a Hawk header has at most 4096 chars). */
const scratch = Buffer.alloc(3 * 4096);
const COLON = 0x3a;

export function nonceKey(key: string, ts: string, nonce: string): string {
  if (key.length + ts.length + nonce.length + 2 > scratch.length) {
    const raw = Buffer.from(`${key}:${ts}:${nonce}`, 'latin1');
    return sipHash128(KEY, raw, 0, raw.length);
  }
  let at = latin1Write(scratch, key, 0);
  scratch[at++] = COLON;
  at += latin1Write(scratch, ts, at);
  scratch[at++] = COLON;
  at += latin1Write(scratch, nonce, at);
  return sipHash128(KEY, scratch, 0, at);
}
