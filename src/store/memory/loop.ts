import { LRUCache } from 'lru-cache';
import type { Clock } from '../../clock.ts';
import type {
  CallUrlRecord, LoopStore, LoopStoreStats, NonceClaim, PushTopic, PushUrls, SessionPatch, SessionRecord,
} from '../loop.ts';
import { frozenCopy } from './frozen.ts';
import { index, unindex } from './index-sets.ts';
import { DueKeys } from './due-keys.ts';
import { lruCap } from './lru-cap.ts';
import { lruTime } from './lru-time.ts';
import { NonceStore } from './nonces.ts';
import { startSweeping, type SweepSchedule } from './sweeping.ts';
import { UsedSessions, type SessionEntry } from './used-sessions.ts';

/**
 * Entry caps. Call URLs: the least recently used entry goes first
 * beyond the cap (lruCap: nothing is allocated for it in advance). Used sessions and nonces are
 * never evicted (security state): past their cap new ones are not admitted.
 * Never-used sessions have their own budget, evicting the oldest of them.
 */
export interface LoopMemoryLimits {
  readonly sessions: number;
  /** Never-used sessions (default: a tenth of `sessions`). */
  readonly unusedSessions?: number;
  readonly callUrls: number;
  readonly nonces: number;
}

export interface LoopMemoryStoreOptions {
  readonly clock: Clock;
  readonly limits: LoopMemoryLimits;
  /** Purge expired entries on this schedule (see createStores); absent: only when touched, or by sweep(). */
  readonly sweep?: SweepSchedule;
}

/**
 * With the used-session cache full, a bounded purge step (UsedSessions.purgeSome)
 * runs at most this often: a step costs about 0.1 ms over 1M live sessions, so
 * a flood of first touches at the cap spends under 1% of a core on it, and a
 * lap over 1M sessions takes 2.5 s of such a flood.
 */
export const PURGE_STEP_EVERY_MS = 10;

/** The periodic sweep lets go of the purge steps' cursor once none has run for this long (see UsedSessions.forgetCursor). */
const PURGE_CURSOR_IDLE_MS = 60_000;

/** A never-used session, with its bucket in #dueFresh. */
interface FreshEntry extends SessionEntry<SessionRecord> {
  bucket: number;
}

/**
 * A call URL with its bucket in #dueCallUrls, taken out again whenever the
 * URL goes (evicted, rewritten, revoked): otherwise every URL pushed out
 * beyond the cap would stay filed for its whole lifetime (up to 30 days), and
 * the index would grow with every URL ever made, whatever the cap.
 */
interface CallUrlEntry {
  readonly record: CallUrlRecord;
  readonly bucket: number;
}

/**
 * The in-process Loop store: never-used sessions and call URLs in lru-caches
 * with a per-entry TTL read from the injected clock, used sessions (read and
 * touched by every signed request, never evicted) in a plain Map with expiry
 * times (used-sessions.ts), plus per-user indexes (plain Maps of Sets) that
 * the dispose hooks keep in step when an entry is deleted, evicted or purged.
 * Reads check liveness, so a sweep only frees memory; the periodic one takes
 * only what came due (DueKeys), the explicit sweep() everything expired.
 */
export class MemoryLoopStore implements LoopStore {
  readonly #clock: Clock;
  readonly #ttl: ReturnType<typeof lruTime>['ttl'];
  /** Sessions that authenticated a request: never evicted (no set happens once full). */
  readonly #sessions: UsedSessions<SessionRecord>;
  readonly #maxUsed: number;
  /** Sessions minted and never used: their own budget, the oldest evicted beyond it. */
  readonly #fresh: LRUCache<string, FreshEntry>;
  /** Set while a session moves from #fresh to #sessions: its push registrations stay. */
  #promoting = false;
  /** Clock time of the last purge step made because #sessions was full (at most one per PURGE_STEP_EVERY_MS). */
  #lastPurgeStep = -Infinity;
  readonly #callUrls: LRUCache<string, CallUrlEntry>;
  /** Fresh sessions and call URLs by expiry, for the periodic sweep (see DueKeys). */
  readonly #dueFresh: DueKeys;
  readonly #dueCallUrls: DueKeys;
  readonly #nonces: NonceStore;
  /** userKey → sessionId → URLs. */
  readonly #push = new Map<string, Map<string, PushUrls>>();
  /** sessionId → the user keys it registered push URLs under. */
  readonly #pushOwners = new Map<string, Set<string>>();
  readonly #userCallUrls = new Map<string, Set<string>>();

  readonly #stopSweeping: () => void;

  constructor(o: LoopMemoryStoreOptions) {
    const time = lruTime(o.clock);
    const base = time.options;
    this.#ttl = time.ttl;
    this.#clock = o.clock;
    this.#maxUsed = o.limits.sessions;
    this.#sessions = new UsedSessions(() => o.clock.now(), (id) => this.#dropPush(id));
    this.#fresh = new LRUCache({
      ...base, ...lruCap(o.limits.unusedSessions ?? Math.max(1, Math.floor(o.limits.sessions / 10))),
      dispose: (v, id) => {
        this.#dueFresh.unfile(id, v.bucket);
        if (!this.#promoting) this.#dropPush(id);
      },
    });
    this.#callUrls = new LRUCache({
      ...base, ...lruCap(o.limits.callUrls),
      dispose: (v, token) => {
        unindex(this.#userCallUrls, v.record.userKey, token);
        this.#dueCallUrls.unfile(token, v.bucket);
      },
    });
    const now = () => o.clock.now();
    this.#dueFresh = new DueKeys(this.#fresh, now);
    this.#dueCallUrls = new DueKeys(this.#callUrls, now);
    this.#nonces = new NonceStore(o.limits.nonces, now);
    this.#stopSweeping = startSweeping(o.sweep, () => this.#sweepDue());
  }

  createSession(id: string, record: SessionRecord, ttlMs: number): void {
    // An id made twice (random ids: a collision) replaces the session, used or not, expired but not yet
    // swept too, and its push registrations.
    this.deleteSession(id);
    const bucket = this.#dueFresh.file(id, ttlMs);
    this.#fresh.set(id, { record: frozenCopy(record), expiresAtMs: 0, bucket }, this.#ttl(ttlMs)); // evicts the oldest never-used session when full
  }

  getSession(id: string): SessionRecord | undefined {
    return (this.#sessions.get(id) ?? this.#fresh.get(id))?.record;
  }

  touchSession(id: string, ttlMs: number): void {
    const used = this.#sessions.get(id);
    if (used) {
      this.#sessions.touch(id, used, ttlMs);
      return;
    }
    const fresh = this.#fresh.get(id);
    if (!fresh) return;
    if (!this.#hasUsedRoom()) {
      fresh.bucket = this.#dueFresh.refile(id, fresh.bucket, ttlMs);
      this.#fresh.set(id, fresh, this.#ttl(ttlMs)); // stays never-used until there is room
      return;
    }
    this.#promoting = true;
    try {
      this.#fresh.delete(id);
    } finally {
      this.#promoting = false;
    }
    this.#sessions.set(id, fresh, ttlMs);
  }

  updateSession(id: string, patch: SessionPatch): boolean {
    const entry = this.#sessions.get(id) ?? this.#fresh.get(id);
    if (!entry) return false;
    entry.record = frozenCopy(entry.record, patch);
    return true;
  }

  deleteSession(id: string): void {
    // dispose drops its push registrations
    this.#sessions.delete(id);
    this.#fresh.delete(id);
  }

  setPushUrls(userKey: string, sessionId: string, urls: PushUrls): void {
    if (!this.#isSession(sessionId)) return;
    let byUser = this.#push.get(userKey);
    if (!byUser) this.#push.set(userKey, (byUser = new Map()));
    byUser.set(sessionId, { ...byUser.get(sessionId), ...urls });
    index(this.#pushOwners, sessionId, userKey);
  }

  deletePushUrls(userKey: string, sessionId: string): void {
    const byUser = this.#push.get(userKey);
    if (byUser?.delete(sessionId) && byUser.size === 0) this.#push.delete(userKey);
    unindex(this.#pushOwners, sessionId, userKey);
  }

  deleteUserPushUrls(userKey: string): void {
    const byUser = this.#push.get(userKey);
    if (!byUser) return;
    this.#push.delete(userKey);
    for (const sessionId of byUser.keys()) unindex(this.#pushOwners, sessionId, userKey);
  }

  pushUrls(userKey: string, topic: PushTopic): string[] {
    const byUser = this.#push.get(userKey);
    if (!byUser) return [];
    const out = new Set<string>();
    for (const [sessionId, urls] of byUser) {
      const url = urls[topic];
      if (url !== undefined && this.#isSession(sessionId)) out.add(url);
    }
    return [...out];
  }

  putCallUrl(record: CallUrlRecord, ttlMs: number, maxPerUser = Infinity): boolean {
    const current = this.#callUrls.get(record.token);
    const replaces = current?.record.userKey === record.userKey; // a live URL of this user: not a new one
    if (!replaces && this.#atCap(record.userKey, maxPerUser)) return false;
    // A rewrite deletes the URL first, so dispose takes its index and due entries out (a set would not: noDisposeOnSet).
    if (current) this.#callUrls.delete(record.token);
    const bucket = this.#dueCallUrls.file(record.token, ttlMs);
    this.#callUrls.set(record.token, { record: frozenCopy(record), bucket }, this.#ttl(ttlMs));
    index(this.#userCallUrls, record.userKey, record.token);
    return true;
  }

  /** Call URL keys waiting in the due index (tests: it holds only the URLs held). */
  get filedCallUrls(): number {
    return this.#dueCallUrls.size;
  }

  countCallUrls(userKey: string): number {
    return this.#countLive(this.#userCallUrls, userKey, this.#callUrls);
  }

  getCallUrl(token: string): CallUrlRecord | undefined {
    return this.#callUrls.get(token)?.record;
  }

  deleteCallUrl(token: string): void {
    this.#callUrls.delete(token);
  }

  listCallUrls(userKey: string): CallUrlRecord[] {
    return this.#live(this.#userCallUrls, userKey, (t) => this.#callUrls.get(t)?.record);
  }

  deleteUserCallUrls(userKey: string): void {
    for (const token of [...(this.#userCallUrls.get(userKey) ?? [])]) this.#callUrls.delete(token);
    this.#userCallUrls.delete(userKey);
  }

  claimNonce(nonceKey: string, ttlMs: number): NonceClaim {
    return this.#nonces.claim(nonceKey, ttlMs);
  }

  /** Drops every expired entry now (a pass over all of them; the periodic sweep is #sweepDue). */
  sweep(): void {
    this.#nonces.sweep();
    this.#callUrls.purgeStale();
    this.#sessions.purgeStale();
    this.#fresh.purgeStale();
  }

  /** The periodic sweep: expired nonces, and only the sessions and call URLs that came due (see DueKeys, UsedSessions). */
  #sweepDue(): void {
    this.#nonces.sweep();
    this.#dueCallUrls.sweep();
    this.#sessions.sweepDue();
    if (this.#clock.now() - this.#lastPurgeStep >= PURGE_CURSOR_IDLE_MS) this.#sessions.forgetCursor();
    this.#dueFresh.sweep();
  }

  stats(): LoopStoreStats {
    return {
      sessions: this.#sessions.size + this.#fresh.size,
      unusedSessions: this.#fresh.size,
      callUrls: this.#callUrls.size,
    };
  }

  ping(): boolean {
    return true;
  }

  async close(): Promise<void> {
    this.#stopSweeping();
    this.#sessions.clear();
    this.#fresh.clear();
    this.#callUrls.clear();
    this.#nonces.clear();
    this.#dueFresh.clear();
    this.#dueCallUrls.clear();
  }

  #isSession(id: string): boolean {
    return this.#sessions.has(id) || this.#fresh.has(id);
  }

  /**
   * Whether a session can become used without evicting one. A full cache
   * first drops what came due (cheap: usually nothing to do), then, at most
   * once per PURGE_STEP_EVERY_MS, visits the next PURGE_STEP_ENTRIES sessions
   * of a round-robin pass and drops the expired ones: never a pass over all
   * of them, which blocks the event loop for tens of milliseconds or more at
   * 1M sessions.
   * The price is exactness: a session that expired less than a bucket
   * (a minute) ago makes room only once the pass reaches it, so at the cap
   * a touch may be refused (the session stays never-used, as before) while
   * an expired used session is still held; the due sweep drops it at most a
   * minute late whatever happens.
   */
  #hasUsedRoom(): boolean {
    if (this.#sessions.size < this.#maxUsed) return true;
    this.#sessions.sweepDue();
    if (this.#sessions.size < this.#maxUsed) return true;
    const now = this.#clock.now();
    if (now - this.#lastPurgeStep < PURGE_STEP_EVERY_MS) return false;
    this.#lastPurgeStep = now;
    this.#sessions.purgeSome();
    return this.#sessions.size < this.#maxUsed;
  }

  /**
   * Whether the user has `cap` live call URLs. The index may still hold
   * expired tokens: a size below the cap answers at once (no scan per
   * request); only near the cap are the live ones counted.
   */
  #atCap(userKey: string, cap: number): boolean {
    return (this.#userCallUrls.get(userKey)?.size ?? 0) >= cap && this.#countLive(this.#userCallUrls, userKey, this.#callUrls, cap) >= cap;
  }

  /** Live entries of a user's index, counted up to `upTo` (the index may still hold expired keys until a sweep). */
  #countLive(map: Map<string, Set<string>>, userKey: string, cache: { has(key: string): boolean }, upTo = Infinity): number {
    let n = 0;
    for (const key of map.get(userKey) ?? []) if (cache.has(key) && ++n >= upTo) break;
    return n;
  }

  #dropPush(sessionId: string): void {
    const owners = this.#pushOwners.get(sessionId);
    if (!owners) return;
    this.#pushOwners.delete(sessionId);
    for (const userKey of owners) {
      const byUser = this.#push.get(userKey);
      if (byUser?.delete(sessionId) && byUser.size === 0) this.#push.delete(userKey);
    }
  }

  #live<T>(map: Map<string, Set<string>>, userKey: string, get: (key: string) => T | undefined): T[] {
    const out: T[] = [];
    for (const key of map.get(userKey) ?? []) {
      const value = get(key);
      if (value !== undefined) out.push(value);
    }
    return out;
  }
}
