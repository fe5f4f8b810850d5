import { hash } from 'node:crypto';
import { latin1Write, utf8Write } from '../bytes.ts';

/*
 * HMAC (RFC 2104) on crypto.hash one-shots, for the hot paths (inbox
 * credentials on every request; Loop Hawk MACs and session minting; the fake
 * provider's HMAC-SHA1 token signatures). Same results as createHmac(algo,
 * key), but no native Hmac object per call: each of those carries a weak
 * handle that every young-generation GC must process, and registration needs
 * four HMACs per request, a Hawk request two. Synchronous: the module's
 * scratch buffers are never held across an await.
 */

/** Block size of SHA-1 and SHA-256. */
const BLOCK = 64;
const ROOM = 4096;
/** [key ⊕ ipad | message]: the inner hash's input. */
const inner = Buffer.alloc(BLOCK + ROOM);
/** [key ⊕ opad | inner digest]: the outer hash's input (room for the larger digest, SHA-256's). */
const outer = Buffer.alloc(BLOCK + 32);
/** The same memory, sized for SHA-1's 20-byte inner digest. */
const outerSha1 = outer.subarray(0, BLOCK + 20);
/** The pads as 32-bit words (both buffers have an ArrayBuffer of their own, at offset 0). */
const innerWords = new Int32Array(inner.buffer, inner.byteOffset, BLOCK / 4);
const outerWords = new Int32Array(outer.buffer, outer.byteOffset, BLOCK / 4);
/** Views of `inner` by length, made once each: no Buffer object per HMAC. */
const innerViews: (Buffer | undefined)[] = [];
/**
 * The string key whose pads are in the scratch buffers (a Hawk request's
 * verify and its response signature use the same key): they are not
 * rewritten. Only strings, which cannot change; a Buffer key is padded every time.
 */
let paddedKey: string | undefined;

function innerView(length: number): Buffer {
  return (innerViews[length] ??= inner.subarray(0, length));
}

type Algorithm = 'sha256' | 'sha1';

export type HmacKey = Buffer | string;
/** 'binary' is latin1: one char per byte, the most compact string for a digest kept in memory. */
export type HmacOutput = 'hex' | 'base64' | 'binary';

/** Writes the two pads of `key` (its UTF-8 bytes when a string, like createHmac). */
function pads(algorithm: Algorithm, key: HmacKey): void {
  if (key === paddedKey) return;
  paddedKey = undefined;
  let bytes: Buffer | undefined = typeof key === 'string' ? undefined : key;
  if (typeof key === 'string') {
    // ASCII keys (Hawk's hex keys) are used as they are, without a Buffer.
    let ascii = key.length <= BLOCK;
    for (let i = 0; ascii && i < key.length; i++) if (key.charCodeAt(i) > 127) ascii = false;
    if (ascii) {
      // The key's bytes (zero-padded) XORed a word at a time: a new key costs ~150 ns, not ~350.
      latin1Write(inner, key, 0);
      if (key.length < BLOCK) inner.fill(0, key.length, BLOCK);
      for (let i = 0; i < BLOCK / 4; i++) {
        const k = innerWords[i];
        innerWords[i] = k ^ 0x36363636;
        outerWords[i] = k ^ 0x5c5c5c5c;
      }
      paddedKey = key;
      return;
    }
    bytes = Buffer.from(key, 'utf8');
  }
  if (bytes!.length > BLOCK) bytes = hash(algorithm, bytes!, 'buffer');
  for (let i = 0; i < BLOCK; i++) {
    const k = i < bytes!.length ? bytes![i] : 0;
    inner[i] = k ^ 0x36;
    outer[i] = k ^ 0x5c;
  }
}

/** HMAC-SHA256 of `message` (UTF-8 when a string, or bytes) under `key`, in `output` encoding. */
export function hmacSha256(key: HmacKey, message: string | Uint8Array, output: HmacOutput): string {
  return hash('sha256', outerInput('sha256', key, message), output);
}

/** HMAC-SHA1 of `message` under `key` (the OpenTok T1 token signature), in `output` encoding. */
export function hmacSha1(key: HmacKey, message: string | Uint8Array, output: HmacOutput): string {
  return hash('sha1', outerInput('sha1', key, message), output);
}

function outerInput(algorithm: Algorithm, key: HmacKey, message: string | Uint8Array): Buffer {
  pads(algorithm, key);
  let input: Buffer;
  if (typeof message === 'string' && message.length * 3 <= ROOM) {
    input = innerView(BLOCK + utf8Write(inner, message, BLOCK));
  } else if (typeof message !== 'string' && message.length <= ROOM) {
    inner.set(message, BLOCK);
    input = innerView(BLOCK + message.length);
  } else {
    input = Buffer.concat([inner.subarray(0, BLOCK), typeof message === 'string' ? Buffer.from(message, 'utf8') : message]);
  }
  // 'binary' (latin1) strings carry the digest bytes into the scratch buffer without an ArrayBuffer.
  latin1Write(outer, hash(algorithm, input, 'binary'), BLOCK);
  return algorithm === 'sha256' ? outer : outerSha1;
}
