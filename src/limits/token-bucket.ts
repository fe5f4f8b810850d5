/**
 * Requests per client per second, as one token bucket per client key:
 * synchronous and allocation-free once a client has its bucket, because it
 * runs on every HTTP request (a promise-based limiter measured ~0.4 µs a call
 * here, a bucket ~0.1 µs). It is local to this node on purpose: it protects
 * this process's CPU, which is what a request rate costs.
 */
export class TokenBuckets {
  readonly #buckets = new Map<string, { tokens: number; atMs: number }>();
  readonly #perMs: number;
  readonly #burst: number;
  readonly #now: () => number;
  #sweptAtMs: number;

  /** `ratePerSec` tokens a second, at most `burst` saved up; `now` in monotonic ms. */
  constructor(ratePerSec: number, burst: number, now: () => number) {
    this.#perMs = ratePerSec / 1000;
    this.#burst = burst;
    this.#now = now;
    this.#sweptAtMs = now();
  }

  /** Takes a token for `key`: 0 when there was one, else the seconds until there is (at least 1). */
  take(key: string): number {
    const now = this.#now();
    if (now - this.#sweptAtMs > SWEEP_EVERY_MS) this.#sweep(now);
    let b = this.#buckets.get(key);
    if (b === undefined) {
      b = { tokens: this.#burst, atMs: now };
      this.#buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.#burst, b.tokens + (now - b.atMs) * this.#perMs);
      b.atMs = now;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
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
