import type { TokenBuckets } from './token-bucket.ts';

/**
 * Which requests are charged to their client's token bucket. Reading a
 * request's address costs more than the rest of the limits together (uWS
 * makes a getpeername system call and allocates an ArrayBuffer on every call:
 * 1 to 4 µs; charging every request added ~2.7 µs to an empty GET /inbox of
 * ~12 µs, measured), so while no client is near its limit only about one
 * request in `sampleEvery` is charged, to whoever sent it, for all the
 * requests since the previous charge. The gaps are random (1 to
 * 2 × sampleEvery − 1) so that no traffic pattern lines up with them.
 *
 * The trade-off: between two charges a client's requests are counted to
 * whoever is charged next, so a client's count is an estimate (exact on
 * average, off by at most 2 × sampleEvery − 1 per charge). Hence exact
 * counting comes back before it matters: as soon as a charge leaves a client
 * within 2 × sampleEvery tokens of empty, every request is charged (one token
 * to its own client, as without sampling) until that client's bucket would
 * have refilled past that mark. A flood alone therefore passes at most one
 * gap beyond its bucket; among other traffic it is charged in proportion to
 * its share, so it reaches its limit about as fast; either way it then meets
 * exact counting for as long as it lasts. Limits too small for that margin
 * (a burst of at most 2 × sampleEvery) are counted exactly all the time.
 */
export class RequestRate {
  readonly #buckets: TokenBuckets;
  readonly #margin: number;
  readonly #sampleEvery: number;
  readonly #random: () => number;
  /** Every request is charged (some client is near its limit, or the limit is too small to sample). */
  #exact: boolean;
  #exactUntilMs = -Infinity;
  #since = 0;
  #gap: number;

  /** `random`: uniform in [0, 1), for the gaps. */
  constructor(buckets: TokenBuckets, sampleEvery = SAMPLE_EVERY, random: () => number = Math.random) {
    this.#buckets = buckets;
    this.#sampleEvery = Math.max(1, Math.floor(sampleEvery));
    this.#margin = 2 * this.#sampleEvery;
    this.#random = random;
    this.#exact = this.#sampleEvery === 1 || buckets.burst <= this.#margin;
    if (this.#exact) this.#exactUntilMs = Infinity;
    this.#gap = this.#nextGap();
  }

  /** Whether every request is being charged right now. */
  get exact(): boolean {
    return this.#exact;
  }

  /**
   * Counts one request: the tokens to charge its client now (the requests
   * since the last charge, itself included), or 0 when it is not charged.
   */
  due(): number {
    if (this.#exact) return 1;
    const n = ++this.#since;
    if (n < this.#gap) return 0;
    this.#since = 0;
    this.#gap = this.#nextGap();
    return n;
  }

  /** Charges `cost` tokens to `key`: 0 = admitted, else the seconds to wait (≥ 1). */
  charge(key: string, cost: number): number {
    const b = this.#buckets;
    const wait = b.take(key, cost);
    const level = b.lastLevel;
    const now = b.lastAtMs;
    if (level < this.#margin) {
      const until = now + (this.#margin - level) / b.ratePerMs;
      if (until > this.#exactUntilMs) this.#exactUntilMs = until;
      if (!this.#exact) {
        this.#exact = true;
        this.#since = 0;
      }
    } else if (this.#exact && now >= this.#exactUntilMs) {
      this.#exact = false;
    }
    return wait;
  }

  #nextGap(): number {
    return 1 + Math.floor(this.#random() * (2 * this.#sampleEvery - 1));
  }
}

/**
 * One request in this many, on average, is charged while no client is near
 * its limit. Measured on an empty GET /inbox: 1 in 8 still cost 5 to 10 %,
 * 1 in 32 a few % (close to the noise). The price: a flood passes up to 63 requests beyond its
 * bucket before exact counting starts, and limits of 32 requests/s or less
 * (a burst of at most 64) are always counted exactly.
 */
export const SAMPLE_EVERY = 32;
