import type { NonceClaim } from '../loop.ts';

/**
 * Hawk nonces for the replay window, in memory. Unlike an LRU cache it
 * never forgets a live nonce to make room: when `max` live nonces are held
 * a new one is refused ('full'), and the caller refuses the request. Every
 * caller gives the same lifetime, so insertion order is expiry order and
 * the expired ones are dropped from the front of the Map, a few at a time.
 */
export class NonceStore {
  /** Key → the clock millisecond it expires at, rounded up (an integer: no boxed number per entry for the first 24 days of uptime). */
  readonly #expiries = new Map<string, number>();

  constructor(
    private readonly max: number,
    private readonly now: () => number,
  ) {}

  claim(key: string, ttlMs: number): NonceClaim {
    const now = this.now();
    const expires = this.#expiries.get(key);
    if (expires !== undefined) {
      if (expires > now) return 'replay';
      this.#expiries.delete(key);
    }
    if (this.#expiries.size >= this.max) {
      this.#dropExpiredFront(now);
      if (this.#expiries.size >= this.max) return 'full';
    }
    this.#expiries.set(key, Math.ceil(now + Math.max(1, ttlMs)));
    return 'claimed';
  }

  /** Drops the expired nonces: O(expired), since the oldest are at the front (a full pass over millions would stall the server). */
  sweep(): void {
    this.#dropExpiredFront(this.now());
  }

  get size(): number {
    return this.#expiries.size;
  }

  clear(): void {
    this.#expiries.clear();
  }

  /** Expired nonces at the front (oldest first); stops at the first live one. */
  #dropExpiredFront(now: number): void {
    for (const [key, expires] of this.#expiries) {
      if (expires > now) return;
      this.#expiries.delete(key);
    }
  }
}
