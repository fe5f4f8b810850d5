import { DueKeys } from './due-keys.ts';

/** A session record with the clock time it expires at (live while `expiresAtMs` > now). */
export interface SessionEntry<R> {
  record: R;
  expiresAtMs: number;
}

/** An entry with its bucket in the due index. */
interface Filed<R> extends SessionEntry<R> {
  bucket: number;
}

/**
 * Filed by expiry in buckets this wide: a session touched by every signed
 * request moves to a later bucket at most once a minute (a touch within the
 * same minute changes only its expiry time).
 */
const BUCKET_MS = 60_000;

/** Entries one `purgeSome` step visits by default: a fraction of a millisecond even when none has expired. */
export const PURGE_STEP_ENTRIES = 4096;

/**
 * Sessions that authenticated a request: a plain Map with an expiry time per
 * entry. Every signed request reads its session and restarts its lifetime,
 * and these are never evicted (no LRU order to keep), so an lru-cache's
 * recency and TTL bookkeeping on each read and write bought nothing here:
 * a read is a lookup and a clock check, a touch one field write (and, once a
 * minute, a move to a later expiry bucket). Expired entries are dropped when
 * read, by `sweepDue` (the periodic sweep: only the buckets that came due, so
 * at most a minute late), by `purgeSome` (a bounded step of a pass that goes
 * round and round) or by `purgeStale` (a pass over all of them: exact);
 * `onGone` hears of every entry that leaves, however it leaves.
 */
export class UsedSessions<R> {
  readonly #entries = new Map<string, Filed<R>>();
  readonly #due: DueKeys;
  /**
   * Where `purgeSome` stopped: a Map iterator goes on past entries deleted
   * meanwhile and reaches entries added after it was made.
   */
  #cursor: MapIterator<[string, Filed<R>]> | undefined;

  constructor(
    private readonly now: () => number,
    private readonly onGone: (id: string) => void,
  ) {
    this.#due = new DueKeys(this, now, BUCKET_MS);
  }

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

  /** For the due index: the time left, -1 once it is over, 0 for an id not held. */
  getRemainingTTL(id: string): number {
    const entry = this.#entries.get(id);
    if (entry === undefined) return 0;
    const left = entry.expiresAtMs - this.now();
    return left > 0 ? left : -1;
  }

  /** Stores `entry` to live `ttlMs` from now (at least 1 ms). */
  set(id: string, entry: SessionEntry<R>, ttlMs: number): void {
    const filed = entry as Filed<R>;
    filed.expiresAtMs = this.now() + Math.max(1, ttlMs);
    filed.bucket = this.#due.fileAt(id, filed.expiresAtMs);
    this.#entries.set(id, filed);
  }

  /** Restarts the lifetime of `entry` (as `get` returned it for `id`): `ttlMs` from now, at least 1 ms. */
  touch(id: string, entry: SessionEntry<R>, ttlMs: number): void {
    const filed = entry as Filed<R>;
    filed.expiresAtMs = this.now() + Math.max(1, ttlMs);
    filed.bucket = this.#due.refileAt(id, filed.bucket, filed.expiresAtMs);
  }

  delete(id: string): void {
    const entry = this.#entries.get(id);
    if (entry === undefined) return;
    this.#entries.delete(id);
    this.#due.unfile(id, entry.bucket);
    this.onGone(id);
  }

  /** Drops every expired entry: a pass over all of them. */
  purgeStale(): void {
    const now = this.now();
    for (const [id, entry] of this.#entries) if (entry.expiresAtMs <= now) this.delete(id);
    this.#cursor = undefined;
  }

  /**
   * Visits at most `maxEntries` entries (each at most once), going on from
   * where the previous call stopped and starting over at the end, and drops
   * the expired ones among them. Returns how many it dropped.
   */
  purgeSome(maxEntries = PURGE_STEP_ENTRIES): number {
    const now = this.now();
    let visits = Math.min(maxEntries, this.#entries.size);
    let dropped = 0;
    while (visits-- > 0) {
      let next = this.#cursor?.next();
      if (next === undefined || next.done) next = (this.#cursor = this.#entries.entries()).next();
      if (next.done) break; // emptied meanwhile (onGone may delete)
      const [id, entry] = next.value;
      if (entry.expiresAtMs <= now) {
        this.delete(id);
        dropped++;
      }
    }
    return dropped;
  }

  /**
   * Forgets where `purgeSome` stopped (the next step starts over). Call it
   * when the steps are done for a while: once the Map has been rehashed (it
   * grew, shrank or was compacted), a parked iterator keeps the old table
   * alive, and with it every entry that table held, deleted since or not.
   */
  forgetCursor(): void {
    this.#cursor = undefined;
  }

  /** Drops the expired entries of the buckets that came due: the periodic sweep. */
  sweepDue(): void {
    this.#due.sweep();
  }

  clear(): void {
    this.#entries.clear();
    this.#due.clear();
    this.#cursor = undefined;
  }
}
