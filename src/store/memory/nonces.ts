import { sipHash128, sipHashKey } from '../../crypto/siphash.ts';
import type { NonceClaim } from '../loop.ts';

/** Entries the table starts with room for; it doubles as nonces arrive (up to `max`), and halves on a sweep when mostly empty. */
const MIN_CAPACITY = 1024;
const EMPTY = -1;
/** Keys other than 16-char digests (tests) are hashed to 128 bits first; a fixed key, as nonceKey's: these are not secrets. */
const OTHER_KEYS = sipHashKey(Buffer.from('signalbox nonce*'));

/**
 * Hawk nonces for the replay window, in memory, in typed arrays: no heap
 * object per nonce. A Hawk request's nonce is kept two minutes, so at tens of
 * thousands of signed requests a second the store holds millions; as strings
 * in a Map, each was an object the garbage collector had to mark on every
 * major collection (a pause of tens of ms in the middle of a load). Here a
 * nonce is its 128-bit key (four 32-bit words) and its expiry in a ring of
 * entries kept in insertion order, found through an open-addressing index
 * (linear probing, at most half full) on the key's first word: the keys are
 * SipHash digests, uniformly spread.
 *
 * Unlike an LRU cache it never forgets a live nonce to make room: when `max`
 * live nonces are held a new one is refused ('full'), and the caller refuses
 * the request. Every caller gives the same lifetime, so insertion order is
 * expiry order and the expired ones are dropped from the front of the ring.
 */
export class NonceStore {
  /** Ring of entries: key words (4 per entry) and expiry (clock ms, rounded up). */
  #words = new Int32Array(4 * MIN_CAPACITY);
  #expiries = new Float64Array(MIN_CAPACITY);
  /** Ring position of the oldest entry, and how many there are. */
  #head = 0;
  #count = 0;
  /** Index slots: a ring position, or EMPTY. Twice the ring's capacity, a power of two. */
  #slots = new Int32Array(2 * MIN_CAPACITY).fill(EMPTY);
  /** The key being claimed, as words. */
  readonly #key = new Int32Array(4);

  constructor(
    private readonly max: number,
    private readonly now: () => number,
  ) {}

  claim(key: string, ttlMs: number): NonceClaim {
    const now = this.now();
    const expires = Math.ceil(now + Math.max(1, ttlMs));
    this.#dropExpiredFront(now);
    this.#keyWords(key);
    const found = this.#find();
    if (found !== EMPTY) {
      if (this.#expiries[found] > now) return 'replay';
      // Expired, but not at the front: only when callers give different lifetimes. Claimed again in place.
      this.#expiries[found] = expires;
      return 'claimed';
    }
    if (this.#count >= this.max) return 'full';
    if (this.#count === this.#expiries.length) this.#resize(2 * this.#expiries.length);
    const at = (this.#head + this.#count) % this.#expiries.length;
    const k = this.#key;
    this.#words.set(k, 4 * at);
    this.#expiries[at] = expires;
    this.#count++;
    this.#index(at);
    return 'claimed';
  }

  /** Drops the expired nonces: O(expired), since the oldest are at the front; gives memory back when mostly empty. */
  sweep(): void {
    this.#dropExpiredFront(this.now());
    const capacity = this.#expiries.length;
    if (capacity > MIN_CAPACITY && this.#count < capacity / 4) this.#resize(capacity / 2);
  }

  get size(): number {
    return this.#count;
  }

  clear(): void {
    this.#head = 0;
    this.#count = 0;
    this.#resize(MIN_CAPACITY);
  }

  /** Puts the key's 128 bits into #key: a 16-char latin1 digest as it is, any other string hashed first. */
  #keyWords(key: string): void {
    if (key.length === 16 && this.#pack(key)) return;
    const raw = Buffer.from(key, 'utf8'); // only keys that are not nonceKey's digests (tests)
    this.#pack(sipHash128(OTHER_KEYS, raw, 0, raw.length));
  }

  /** Packs 16 chars into #key as four little-endian words; false when one is not latin1 (the key must be hashed). */
  #pack(key: string): boolean {
    const k = this.#key;
    let high = 0;
    for (let w = 0; w < 4; w++) {
      const c = 4 * w;
      const b0 = key.charCodeAt(c), b1 = key.charCodeAt(c + 1), b2 = key.charCodeAt(c + 2), b3 = key.charCodeAt(c + 3);
      high |= b0 | b1 | b2 | b3;
      k[w] = b0 | (b1 << 8) | (b2 << 16) | (b3 << 24);
    }
    return high < 256;
  }

  /** The ring position holding #key, or EMPTY. */
  #find(): number {
    const slots = this.#slots;
    const mask = slots.length - 1;
    const words = this.#words;
    const k = this.#key;
    for (let i = k[0] & mask; ; i = (i + 1) & mask) {
      const at = slots[i];
      if (at === EMPTY) return EMPTY;
      const w = 4 * at;
      if (words[w] === k[0] && words[w + 1] === k[1] && words[w + 2] === k[2] && words[w + 3] === k[3]) return at;
    }
  }

  /** Adds ring position `at` to the index. */
  #index(at: number): void {
    const slots = this.#slots;
    const mask = slots.length - 1;
    let i = this.#words[4 * at] & mask;
    while (slots[i] !== EMPTY) i = (i + 1) & mask;
    slots[i] = at;
  }

  /** Expired entries at the front (oldest first); stops at the first live one. */
  #dropExpiredFront(now: number): void {
    const expiries = this.#expiries;
    while (this.#count > 0 && expiries[this.#head] <= now) {
      this.#unindex(this.#head);
      this.#head = (this.#head + 1) % expiries.length;
      this.#count--;
    }
    if (this.#count === 0) this.#head = 0;
  }

  /**
   * Takes ring position `at` out of the index, moving back the entries after
   * it in its probe run that would otherwise no longer be found (deletion
   * without tombstones in linear probing).
   */
  #unindex(at: number): void {
    const slots = this.#slots;
    const mask = slots.length - 1;
    const words = this.#words;
    let hole = words[4 * at] & mask;
    while (slots[hole] !== at) {
      if (slots[hole] === EMPTY) throw new Error('nonce table: an entry is missing from its index'); // a bug: never loop forever
      hole = (hole + 1) & mask;
    }
    for (let j = (hole + 1) & mask; slots[j] !== EMPTY; j = (j + 1) & mask) {
      const home = words[4 * slots[j]] & mask;
      // The entry at j stays unless its home slot lies cyclically outside (hole, j]: then it moves into the hole.
      const stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (stays) continue;
      slots[hole] = slots[j];
      hole = j;
    }
    slots[hole] = EMPTY;
  }

  /** Moves the entries into a ring of `capacity` (from position 0) and rebuilds the index. */
  #resize(capacity: number): void {
    const words = new Int32Array(4 * capacity);
    const expiries = new Float64Array(capacity);
    // The ring's entries are at most two runs: from the head to the end, then from the start.
    const first = Math.min(this.#count, this.#expiries.length - this.#head);
    words.set(this.#words.subarray(4 * this.#head, 4 * (this.#head + first)), 0);
    expiries.set(this.#expiries.subarray(this.#head, this.#head + first), 0);
    words.set(this.#words.subarray(0, 4 * (this.#count - first)), 4 * first);
    expiries.set(this.#expiries.subarray(0, this.#count - first), first);
    this.#words = words;
    this.#expiries = expiries;
    this.#head = 0;
    this.#slots = new Int32Array(2 * capacity).fill(EMPTY);
    for (let n = 0; n < this.#count; n++) this.#index(n);
  }
}
