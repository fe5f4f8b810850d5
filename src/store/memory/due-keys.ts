import { ExpiryBuckets } from './expiry-buckets.ts';

/** What DueKeys needs of an lru-cache. */
interface ExpiringCache {
  getRemainingTTL(key: string): number;
  delete(key: string): boolean;
}

/** Width of the buckets: a key is handed out at most this long after it expired. */
const WIDTH_MS = 1000;

/**
 * The expiry times of an lru-cache's keys, filed in time buckets, so that
 * the periodic sweep deletes the entries that came due instead of calling
 * purgeStale(), which visits every entry and holds the event loop 36 ms at
 * 200,000 live entries, 350 ms at a million. Keys are candidates: one filed
 * again (a refresh) or deleted meanwhile may come out of an old bucket, so
 * only entries whose lifetime is over are deleted (lru-cache's dispose runs
 * as for any delete). Owners of entries that are refreshed keep the bucket
 * `file` returns and `unfile` it, so stale keys do not pile up.
 */
export class DueKeys {
  readonly #buckets: ExpiryBuckets;

  constructor(
    private readonly cache: ExpiringCache,
    private readonly now: () => number,
  ) {
    this.#buckets = new ExpiryBuckets(WIDTH_MS, now());
  }

  /** Files `key` as expiring `ttlMs` from now (as the cache's set was told); returns its bucket. */
  file(key: string, ttlMs: number): number {
    return this.#buckets.file(key, this.now() + Math.max(1, ttlMs));
  }

  unfile(key: string, bucket: number): void {
    this.#buckets.unfile(key, bucket);
  }

  /** Deletes the due entries whose lifetime is over (a missing key answers 0, a live one more: both stay). */
  sweep(): void {
    for (const key of this.#buckets.due(this.now())) if (this.cache.getRemainingTTL(key) < 0) this.cache.delete(key);
  }

  /** Keys filed and not yet handed out or unfiled. */
  get size(): number {
    return this.#buckets.size;
  }

  clear(): void {
    this.#buckets.clear();
  }
}
