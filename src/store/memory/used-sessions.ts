/** A session record with the clock time it expires at (live while `expiresAtMs` > now). */
export interface SessionEntry<R> {
  record: R;
  expiresAtMs: number;
}

/**
 * Sessions that authenticated a request: a plain Map with an expiry time per
 * entry. Every signed request reads its session and restarts its lifetime,
 * and these are never evicted (no LRU order to keep), so an lru-cache's
 * recency and TTL bookkeeping on each read and write bought nothing here:
 * a read is a lookup and a clock check, a touch one field write. Expired
 * entries are dropped when read, or by `purgeStale` (a pass over all of
 * them, as lru-cache's own purge is); `onGone` hears of every entry that
 * leaves, however it leaves.
 */
export class UsedSessions<R> {
  readonly #entries = new Map<string, SessionEntry<R>>();

  constructor(
    private readonly now: () => number,
    private readonly onGone: (id: string) => void,
  ) {}

  /** Entries held, expired ones not yet dropped included (as lru-cache counts). */
  get size(): number {
    return this.#entries.size;
  }

  /** The live entry of `id`; an expired one is dropped. */
  get(id: string): SessionEntry<R> | undefined {
    const entry = this.#entries.get(id);
    if (entry === undefined || entry.expiresAtMs > this.now()) return entry;
    this.delete(id);
    return undefined;
  }

  has(id: string): boolean {
    const entry = this.#entries.get(id);
    return entry !== undefined && entry.expiresAtMs > this.now();
  }

  /** Stores `entry` to live `ttlMs` from now (at least 1 ms). */
  set(id: string, entry: SessionEntry<R>, ttlMs: number): void {
    entry.expiresAtMs = this.now() + Math.max(1, ttlMs);
    this.#entries.set(id, entry);
  }

  delete(id: string): void {
    if (this.#entries.delete(id)) this.onGone(id);
  }

  purgeStale(): void {
    const now = this.now();
    for (const [id, entry] of this.#entries) if (entry.expiresAtMs <= now) this.delete(id);
  }

  clear(): void {
    this.#entries.clear();
  }
}
