/**
 * Requests per client per second, as one token bucket per client key:
 * synchronous and allocation-free once a client has its bucket (a
 * promise-based limiter measured ~0.4 µs a call here, a bucket ~0.1 µs). It is
 * local to this node on purpose: it protects this process's CPU, which is what
 * a request rate costs. RequestRate decides which requests are charged.
 */
export class TokenBuckets {
  readonly #buckets = new Map<string, { tokens: number; atMs: number }>();
  readonly #perMs: number;
  readonly #burst: number;
  readonly #now: () => number;
  #sweptAtMs: number;
  #level = 0;
  #atMs = 0;

  /** `ratePerSec` tokens a second, at most `burst` saved up; `now` in monotonic ms. */
  constructor(ratePerSec: number, burst: number, now: () => number) {
    this.#perMs = ratePerSec / 1000;
    this.#burst = burst;
    this.#now = now;
    this.#sweptAtMs = now();
  }

  get ratePerMs(): number {
    return this.#perMs;
  }

  get burst(): number {
    return this.#burst;
  }

  /** Tokens left in the bucket the last take() used, and when (ms). */
  get lastLevel(): number {
    return this.#level;
  }

  get lastAtMs(): number {
    return this.#atMs;
  }

  /**
   * Takes `cost` tokens for `key`: 0 when there were enough, else the seconds
   * until one is back (at least 1). A refused take of one token spends
   * nothing; a refused take of more (a sampled charge standing for requests
   * that already passed) empties the bucket.
   */
  take(key: string, cost = 1): number {
    const now = this.#now();
    this.#atMs = now;
    if (now - this.#sweptAtMs > SWEEP_EVERY_MS) this.#sweep(now);
    let b = this.#buckets.get(key);
    if (b === undefined) {
      b = { tokens: this.#burst, atMs: now };
      this.#buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.#burst, b.tokens + (now - b.atMs) * this.#perMs);
      b.atMs = now;
    }
    if (b.tokens >= cost) {
      b.tokens -= cost;
      this.#level = b.tokens;
      return 0;
    }
    if (cost > 1) b.tokens = 0;
    this.#level = b.tokens;
    return Math.max(1, Math.ceil((1 - b.tokens) / this.#perMs / 1000));
  }

  /** Clients tracked (buckets not yet refilled). */
  get size(): number {
    return this.#buckets.size;
  }

  /** Drops the buckets that have refilled: they hold nothing a new bucket would not. */
  #sweep(now: number): void {
    this.#sweptAtMs = now;
    for (const [key, b] of this.#buckets) {
      if (b.tokens + (now - b.atMs) * this.#perMs >= this.#burst) this.#buckets.delete(key);
    }
  }
}

const SWEEP_EVERY_MS = 10_000;
