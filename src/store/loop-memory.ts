import { LRUCache } from 'lru-cache';
import type { Clock } from '../clock.ts';
import type {
  CallRecord, CallUrlRecord, LoopStore, LoopStoreStats, PushTopic, PushUrls, SessionPatch, SessionRecord,
} from './loop-types.ts';

/** Entry caps: lru-cache needs a `max`; the least recently used entry goes first beyond it. */
export interface LoopMemoryLimits {
  readonly sessions: number;
  readonly callUrls: number;
  readonly calls: number;
  readonly nonces: number;
}

export interface LoopMemoryStoreOptions {
  readonly clock: Clock;
  readonly limits: LoopMemoryLimits;
}

interface SessionEntry {
  record: SessionRecord;
}
interface CallEntry {
  readonly call: CallRecord;
  readonly users: readonly string[];
}

/** Adds `value` to the set indexed under `key`. */
function index<V>(map: Map<string, Set<V>>, key: string, value: V): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(value);
}
function unindex<V>(map: Map<string, Set<V>>, key: string, value: V): void {
  const set = map.get(key);
  if (set && set.delete(value) && set.size === 0) map.delete(key);
}

/**
 * The in-process Loop store on lru-cache: one cache per record kind, each
 * with a per-entry TTL read from the injected clock, plus per-user indexes
 * (plain Maps of Sets) that the caches' dispose hooks keep in step when an
 * entry is deleted, evicted or purged. Reads check liveness, so a sweep only
 * frees memory.
 */
export class MemoryLoopStore implements LoopStore {
  readonly #sessions: LRUCache<string, SessionEntry>;
  readonly #callUrls: LRUCache<string, CallUrlRecord>;
  readonly #calls: LRUCache<string, CallEntry>;
  readonly #nonces: LRUCache<string, true>;
  /** userKey → sessionId → URLs. */
  readonly #push = new Map<string, Map<string, PushUrls>>();
  /** sessionId → the user keys it registered push URLs under. */
  readonly #pushOwners = new Map<string, Set<string>>();
  readonly #userCallUrls = new Map<string, Set<string>>();
  readonly #userCalls = new Map<string, Set<string>>();

  constructor(o: LoopMemoryStoreOptions) {
    // ttlResolution 0: read the injected clock every time (lru-cache otherwise caches "now" for 1 real ms).
    // +1: lru-cache treats a start time of 0 as "no TTL", and a fake clock starts at 0.
    const perf = { now: () => o.clock.now() + 1 };
    const base = { perf, ttl: 1, ttlResolution: 0, noDisposeOnSet: true } as const;
    this.#sessions = new LRUCache({
      ...base, max: o.limits.sessions,
      dispose: (_v, id) => this.#dropPush(id),
    });
    this.#callUrls = new LRUCache({
      ...base, max: o.limits.callUrls,
      dispose: (v, token) => unindex(this.#userCallUrls, v.userKey, token),
    });
    this.#calls = new LRUCache({
      ...base, max: o.limits.calls,
      dispose: (v, callId) => {
        for (const user of v.users) unindex(this.#userCalls, user, callId);
      },
    });
    this.#nonces = new LRUCache({ ...base, max: o.limits.nonces });
  }

  async createSession(id: string, record: SessionRecord, ttlMs: number): Promise<void> {
    this.#sessions.set(id, { record }, { ttl: ttlMs });
  }

  async getSession(id: string): Promise<SessionRecord | undefined> {
    return this.#sessions.get(id)?.record;
  }

  async touchSession(id: string, ttlMs: number): Promise<void> {
    const entry = this.#sessions.get(id);
    if (entry) this.#sessions.set(id, entry, { ttl: ttlMs });
  }

  async updateSession(id: string, patch: SessionPatch): Promise<boolean> {
    const entry = this.#sessions.get(id);
    if (!entry) return false;
    entry.record = { ...entry.record, ...patch };
    return true;
  }

  async deleteSession(id: string): Promise<void> {
    this.#sessions.delete(id); // dispose drops its push registrations
  }

  async setPushUrls(userKey: string, sessionId: string, urls: PushUrls): Promise<void> {
    if (!this.#sessions.has(sessionId)) return;
    let byUser = this.#push.get(userKey);
    if (!byUser) this.#push.set(userKey, (byUser = new Map()));
    byUser.set(sessionId, { ...byUser.get(sessionId), ...urls });
    index(this.#pushOwners, sessionId, userKey);
  }

  async deletePushUrls(userKey: string, sessionId: string): Promise<void> {
    const byUser = this.#push.get(userKey);
    if (byUser?.delete(sessionId) && byUser.size === 0) this.#push.delete(userKey);
    unindex(this.#pushOwners, sessionId, userKey);
  }

  async deleteUserPushUrls(userKey: string): Promise<void> {
    const byUser = this.#push.get(userKey);
    if (!byUser) return;
    this.#push.delete(userKey);
    for (const sessionId of byUser.keys()) unindex(this.#pushOwners, sessionId, userKey);
  }

  async pushUrls(userKey: string, topic: PushTopic): Promise<string[]> {
    const byUser = this.#push.get(userKey);
    if (!byUser) return [];
    const out = new Set<string>();
    for (const [sessionId, urls] of byUser) {
      const url = urls[topic];
      if (url !== undefined && this.#sessions.has(sessionId)) out.add(url);
    }
    return [...out];
  }

  async putCallUrl(record: CallUrlRecord, ttlMs: number): Promise<void> {
    this.#callUrls.set(record.token, record, { ttl: Math.max(1, ttlMs) });
    index(this.#userCallUrls, record.userKey, record.token);
  }

  async getCallUrl(token: string): Promise<CallUrlRecord | undefined> {
    return this.#callUrls.get(token);
  }

  async deleteCallUrl(token: string): Promise<void> {
    this.#callUrls.delete(token);
  }

  async listCallUrls(userKey: string): Promise<CallUrlRecord[]> {
    return this.#live(this.#userCallUrls, userKey, (t) => this.#callUrls.get(t));
  }

  async deleteUserCallUrls(userKey: string): Promise<void> {
    for (const token of [...(this.#userCallUrls.get(userKey) ?? [])]) this.#callUrls.delete(token);
    this.#userCallUrls.delete(userKey);
  }

  async addCall(call: CallRecord, userKeys: readonly string[], ttlMs: number): Promise<void> {
    this.#calls.set(call.callId, { call, users: [...userKeys] }, { ttl: Math.max(1, ttlMs) });
    for (const user of userKeys) index(this.#userCalls, user, call.callId);
  }

  async getCall(callId: string): Promise<CallRecord | undefined> {
    return this.#calls.get(callId)?.call;
  }

  async listCalls(userKey: string): Promise<CallRecord[]> {
    return this.#live(this.#userCalls, userKey, (id) => this.#calls.get(id)?.call);
  }

  async deleteUserCalls(userKey: string): Promise<void> {
    for (const callId of [...(this.#userCalls.get(userKey) ?? [])]) this.#calls.delete(callId);
    this.#userCalls.delete(userKey);
  }

  async claimNonce(nonceKey: string, ttlMs: number): Promise<boolean> {
    if (this.#nonces.has(nonceKey)) return false;
    this.#nonces.set(nonceKey, true, { ttl: Math.max(1, ttlMs) });
    return true;
  }

  async sweep(): Promise<void> {
    this.#nonces.purgeStale();
    this.#calls.purgeStale();
    this.#callUrls.purgeStale();
    this.#sessions.purgeStale();
  }

  async stats(): Promise<LoopStoreStats> {
    return { sessions: this.#sessions.size, callUrls: this.#callUrls.size, calls: this.#calls.size };
  }

  async ping(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    this.#sessions.clear();
    this.#callUrls.clear();
    this.#calls.clear();
    this.#nonces.clear();
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
