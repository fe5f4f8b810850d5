import { hash } from 'node:crypto';

const BLOCK = 64;
const DIGEST = 32;

/**
 * HMAC-SHA-256 (RFC 2104) under one fixed key, computed with two one-shot
 * `crypto.hash` calls over preallocated buffers: H((K ^ opad) || H((K ^ ipad) || m)).
 * Same output as `createHmac('sha256', key)`, which is checked by a test, at
 * less cost per call: createHmac builds a Hmac object and imports the key on
 * every request, and that was the largest single cost of GET /inbox.
 * Not reentrant-safe across threads (there are none); messages are at most
 * `maxMessage` bytes (longer ones fall back to a fresh buffer).
 */
export class FixedKeyHmacSha256 {
  readonly #inner: Buffer;
  readonly #outer: Buffer;

  constructor(key: Uint8Array, maxMessage = 2048) {
    if (key.length > BLOCK) throw new RangeError('keys longer than 64 bytes are not supported');
    this.#inner = Buffer.alloc(BLOCK + maxMessage);
    this.#outer = Buffer.alloc(BLOCK + DIGEST);
    for (let i = 0; i < BLOCK; i++) {
      const k = i < key.length ? key[i] : 0;
      this.#inner[i] = k ^ 0x36;
      this.#outer[i] = k ^ 0x5c;
    }
  }

  /** The MAC of `message` as a latin1 string (one char per byte). */
  digestLatin1(message: Uint8Array): string {
    let input: Buffer;
    if (BLOCK + message.length <= this.#inner.length) {
      this.#inner.set(message, BLOCK);
      input = this.#inner.subarray(0, BLOCK + message.length);
    } else {
      input = Buffer.concat([this.#inner.subarray(0, BLOCK), message]);
    }
    this.#outer.set(hash('sha256', input, 'buffer'), BLOCK);
    return hash('sha256', this.#outer, 'binary'); // 'binary' is latin1
  }
}
