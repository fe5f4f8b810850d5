/**
 * An index of expiry times in fixed-width time buckets: the in-memory form
 * of a Redis sorted set scored by expiry. `due(now)` hands out every key
 * filed in a bucket that has come due, costing only those buckets (or, after
 * a long jump of the clock, one pass over the buckets that exist). Keys are
 * candidates: a key filed again later (a refresh) stays in its old bucket
 * too unless the caller takes it out with `unfile`, so the caller checks the
 * real expiry of what it gets.
 */
export class ExpiryBuckets {
  readonly #buckets = new Map<number, Set<string>>();
  /** Every bucket up to this one has been handed out. */
  #swept: number;

  constructor(
    private readonly widthMs: number,
    nowMs: number,
  ) {
    this.#swept = Math.floor(nowMs / widthMs);
  }

  /**
   * Files `key` to come due at or after `atMs` (at most one bucket width
   * late). Returns the bucket it went into, for `unfile`.
   */
  file(key: string, atMs: number): number {
    // ceil: a bucket is due once its end has passed, so no key comes out early.
    const bucket = Math.max(this.#swept + 1, Math.ceil(atMs / this.widthMs));
    let set = this.#buckets.get(bucket);
    if (!set) this.#buckets.set(bucket, (set = new Set()));
    set.add(key);
    return bucket;
  }

  /**
   * Takes `key` out of `bucket` (as `file` returned it) when its expiry moved
   * or ended, so the index holds only what can still come due: under steady
   * joins and refreshes, stale keys would otherwise pile up for a whole
   * lifetime each. A bucket already handed out is simply not there.
   */
  unfile(key: string, bucket: number): void {
    const set = this.#buckets.get(bucket);
    if (set && set.delete(key) && set.size === 0) this.#buckets.delete(bucket);
  }

  /** Keys filed and not yet handed out or unfiled. */
  get size(): number {
    let n = 0;
    for (const set of this.#buckets.values()) n += set.size;
    return n;
  }

  /** Removes and returns the keys of every bucket due at `nowMs`. */
  due(nowMs: number): string[] {
    const last = Math.floor(nowMs / this.widthMs);
    const buckets: number[] = [];
    if (last - this.#swept > this.#buckets.size) {
      for (const b of this.#buckets.keys()) if (b <= last) buckets.push(b);
    } else {
      for (let b = this.#swept + 1; b <= last; b++) if (this.#buckets.has(b)) buckets.push(b);
    }
    this.#swept = Math.max(this.#swept, last);
    const out: string[] = [];
    for (const b of buckets) {
      for (const key of this.#buckets.get(b)!) out.push(key);
      this.#buckets.delete(b);
    }
    return out;
  }

  clear(): void {
    this.#buckets.clear();
  }
}
