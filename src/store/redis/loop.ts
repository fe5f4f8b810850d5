import { asStoreError } from '../errors.ts';
import type {
  CallUrlRecord, LoopStore, LoopStoreStats, NonceClaim, PushTopic, PushUrls, SessionPatch, SessionRecord,
} from '../loop.ts';
import type { LoopMemoryLimits } from '../memory/loop.ts';
import { startSweeping } from '../memory/sweeping.ts';
import * as urls from './loop-call-urls-lua.ts';
import {
  decodeCallUrl, decodeSession, encodeCallUrl, nonceBytes, patchArgs, pushPairs, sessionPairs, topicLetter,
} from './loop-records.ts';
import * as sessions from './loop-sessions-lua.ts';
import { redisHealthy, type RedisConnection } from './connection.ts';
import type { RedisBackendOptions } from './backend-options.ts';
import { inBatches, type Script } from './script.ts';

export interface RedisLoopStoreOptions extends RedisBackendOptions {
  /** The memory store's caps, kept for the whole deployment. */
  readonly limits: LoopMemoryLimits;
}

type Arg = string | number | Buffer;

/**
 * The Loop store in Redis, shared by every node of a deployment: sessions,
 * push registrations, call URLs and Hawk nonces, each operation one script
 * (loop-lua.ts has the key layout), so one round trip that checks and
 * writes atomically: a nonce claimed through one node is a replay on all.
 */
export class RedisLoopStore implements LoopStore {
  readonly #o: RedisLoopStoreOptions;
  readonly #redis: RedisConnection;
  readonly #maxUnused: number;
  readonly #stopSweeping: () => void;

  constructor(o: RedisLoopStoreOptions) {
    this.#o = o;
    this.#redis = o.redis;
    this.#maxUnused = o.limits.unusedSessions ?? Math.max(1, Math.floor(o.limits.sessions / 10));
    const onError = o.onBackgroundError ?? (() => {});
    this.#stopSweeping = startSweeping(o.sweep, () => this.sweep().catch(onError));
  }

  #run(script: Script, operation: string, ...rest: Arg[]): Promise<unknown> {
    const now = this.#o.clock ? this.#o.clock.now() : '';
    return script.run(this.#redis.cmd, [this.#redis.prefix, now, ...rest]).catch((err: unknown) => {
      throw asStoreError(err, `redis loop ${operation}`);
    });
  }

  async createSession(id: string, record: SessionRecord, ttlMs: number): Promise<void> {
    await this.#run(sessions.CREATE_SESSION, 'createSession', id, ttlMs, this.#maxUnused, ...sessionPairs(record));
  }

  async getSession(id: string): Promise<SessionRecord | undefined> {
    const pairs = (await this.#run(sessions.GET_SESSION, 'getSession', id)) as string[] | null;
    return pairs === null ? undefined : decodeSession(pairs);
  }

  async touchSession(id: string, ttlMs: number): Promise<void> {
    await this.#run(sessions.TOUCH_SESSION, 'touchSession', id, ttlMs, this.#o.limits.sessions);
  }

  async updateSession(id: string, patch: SessionPatch): Promise<boolean> {
    return (await this.#run(sessions.UPDATE_SESSION, 'updateSession', id, ...patchArgs(patch))) === 1;
  }

  async deleteSession(id: string): Promise<void> {
    await this.#run(sessions.DELETE_SESSION, 'deleteSession', id);
  }

  async setPushUrls(userKey: string, sessionId: string, pushUrls: PushUrls): Promise<void> {
    await this.#run(sessions.SET_PUSH_URLS, 'setPushUrls', userKey, sessionId, ...pushPairs(pushUrls));
  }

  async deletePushUrls(userKey: string, sessionId: string): Promise<void> {
    await this.#run(sessions.DELETE_PUSH_URLS, 'deletePushUrls', userKey, sessionId);
  }

  async deleteUserPushUrls(userKey: string): Promise<void> {
    await this.#run(sessions.DELETE_USER_PUSH_URLS, 'deleteUserPushUrls', userKey);
  }

  async pushUrls(userKey: string, topic: PushTopic): Promise<string[]> {
    return (await this.#run(sessions.PUSH_URLS, 'pushUrls', userKey, topicLetter(topic))) as string[];
  }

  async putCallUrl(record: CallUrlRecord, ttlMs: number, maxPerUser = Infinity): Promise<boolean> {
    const perUser = Number.isFinite(maxPerUser) ? maxPerUser : '';
    const { token, userKey } = record;
    const stored = await this.#run(urls.PUT_CALL_URL, 'putCallUrl', token, userKey, ttlMs, perUser, this.#o.limits.callUrls, encodeCallUrl(record));
    return stored === 1;
  }

  async countCallUrls(userKey: string): Promise<number> {
    return (await this.#run(urls.COUNT_CALL_URLS, 'countCallUrls', userKey)) as number;
  }

  async getCallUrl(token: string): Promise<CallUrlRecord | undefined> {
    const json = (await this.#run(urls.GET_CALL_URL, 'getCallUrl', token)) as string | null;
    return json === null ? undefined : decodeCallUrl(json);
  }

  async deleteCallUrl(token: string): Promise<void> {
    await this.#run(urls.DELETE_CALL_URL, 'deleteCallUrl', token);
  }

  async listCallUrls(userKey: string): Promise<CallUrlRecord[]> {
    return ((await this.#run(urls.LIST_CALL_URLS, 'listCallUrls', userKey)) as string[]).map(decodeCallUrl);
  }

  async deleteUserCallUrls(userKey: string): Promise<void> {
    await this.#run(urls.DELETE_USER_CALL_URLS, 'deleteUserCallUrls', userKey);
  }

  async claimNonce(nonceKey: string, ttlMs: number): Promise<NonceClaim> {
    return (await this.#run(urls.CLAIM_NONCE, 'claimNonce', nonceBytes(nonceKey), ttlMs, this.#o.limits.nonces)) as NonceClaim;
  }

  /** Drops what came due, a batch of each kind per script. */
  sweep(): Promise<void> {
    return inBatches(async (size) => ((await this.#run(urls.SWEEP, 'sweep', size)) as number) === size);
  }

  async stats(): Promise<LoopStoreStats> {
    const [sessionCount, unusedSessions, callUrls] = (await this.#run(urls.STATS, 'stats')) as [number, number, number];
    return { sessions: sessionCount, unusedSessions, callUrls };
  }

  ping(): Promise<boolean> {
    return redisHealthy(this.#redis);
  }

  /** Stops the sweeps; the connection is its owner's to close. */
  async close(): Promise<void> {
    this.#stopSweeping();
  }
}
