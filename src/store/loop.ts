/**
 * The storage contract behind the Loop layer (loop-v1.md §1). Like the inbox
 * contract: every operation may complete asynchronously (MaybeAsync: the
 * memory backend answers at once) and only plain data crosses it, so a
 * Redis backend can implement it with keys, hashes, sets and TTLs. Lifetimes
 * are given by the caller in milliseconds: what is written at t for `ttlMs`
 * is live until t + ttlMs - 1 and gone at t + ttlMs; reads never return
 * expired data. test/store/loop-store-contract.ts is the behaviour in full.
 * Calls and the callees' call lists live in the call-state store
 * (src/store/call-state.ts), with their progress state.
 */
import type { MaybeAsync } from './maybe-async.ts';

/** A Hawk session (§3.2, §3.3, §3.8, §3.11). */
export interface SessionRecord {
  /** Hawk key, 64 lowercase hex chars (the MAC key is this string). */
  readonly key: string;
  /** hex HMAC(hawkIdSecret, id): anonymous user key and Hawk participant key. */
  readonly idHmac: string;
  /** The user this session acts as: `idHmac` when anonymous, the identity's HMAC when linked. */
  readonly userKey: string;
  /** Linked identity (email or MSISDN) as given; absent for an anonymous session. */
  readonly identity?: string;
  /** OAuth state (64 hex) of a session created by POST /fxa-oauth/params. */
  readonly oauthState?: string;
  /** Access token obtained by POST /fxa-oauth/token. */
  readonly oauthToken?: string;
}

export type SessionPatch = Partial<Pick<SessionRecord, 'userKey' | 'identity' | 'oauthState' | 'oauthToken'>>;

export type PushTopic = 'calls' | 'rooms';
export type PushUrls = Partial<Record<PushTopic, string>>;

/** A call URL (§6.1). Times in unix seconds. */
export interface CallUrlRecord {
  readonly token: string;
  readonly userKey: string;
  readonly callerId?: string;
  readonly issuer: string;
  readonly subject?: string;
  readonly timestamp: number;
  readonly expires: number;
}

export type NonceClaim = 'claimed' | 'replay' | 'full';

/** Live entries; a backend may still count expired ones until its next sweep(). */
export interface LoopStoreStats {
  /** Every live session, used or not. */
  readonly sessions: number;
  /** Of those, the ones minted but never used for an authenticated request. */
  readonly unusedSessions: number;
  readonly callUrls: number;
}

export interface LoopStore {
  /**
   * Stores a new session under its Hawk id for `ttlMs`, as *never used*.
   * Never-used sessions have their own budget: past it the oldest never-used
   * session is evicted; a used session never is (so a registration flood
   * only pushes out other never-used sessions).
   */
  createSession(id: string, record: SessionRecord, ttlMs: number): MaybeAsync<void>;
  /** The live session, without extending it. */
  getSession(id: string): MaybeAsync<SessionRecord | undefined>;
  /**
   * The session authenticated a request: it becomes *used* (when the used
   * budget has room; otherwise it stays never-used for now) and its
   * lifetime (and its push registration's) restarts at `ttlMs`.
   */
  touchSession(id: string, ttlMs: number): MaybeAsync<void>;
  /** Changes fields of a live session, keeping its lifetime; false when it is gone. */
  updateSession(id: string, patch: SessionPatch): MaybeAsync<boolean>;
  /** Deletes the session and its push registration. */
  deleteSession(id: string): MaybeAsync<void>;

  /** Merges URLs into the registration of (user, session); it lives as long as the session. */
  setPushUrls(userKey: string, sessionId: string, urls: PushUrls): MaybeAsync<void>;
  /** Removes the registration of (user, session). */
  deletePushUrls(userKey: string, sessionId: string): MaybeAsync<void>;
  /** Removes every registration of the user (all its sessions). */
  deleteUserPushUrls(userKey: string): MaybeAsync<void>;
  /** The user's URLs for a topic over all its live sessions, duplicates removed. */
  pushUrls(userKey: string, topic: PushTopic): MaybeAsync<string[]>;

  /**
   * Stores (or replaces) a call URL until `record.expires`; `ttlMs` is that
   * lifetime from now. A new token is refused (false, nothing stored) when
   * its user already has `maxPerUser` live call URLs; nothing is evicted. A
   * token that is not a live URL of this user is new (an expired one too);
   * one of another user moves to this user.
   */
  putCallUrl(record: CallUrlRecord, ttlMs: number, maxPerUser?: number): MaybeAsync<boolean>;
  /** How many live call URLs the user has. */
  countCallUrls(userKey: string): MaybeAsync<number>;
  getCallUrl(token: string): MaybeAsync<CallUrlRecord | undefined>;
  deleteCallUrl(token: string): MaybeAsync<void>;
  /** The user's live call URLs, any order. */
  listCallUrls(userKey: string): MaybeAsync<CallUrlRecord[]>;
  deleteUserCallUrls(userKey: string): MaybeAsync<void>;

  /**
   * Replay protection (SET NX PX): records `nonceKey` for `ttlMs`.
   * 'replay' when it is already recorded; 'full' when the nonce budget is
   * used up by live nonces (none is ever forgotten before its `ttlMs` ends,
   * so the caller must refuse the request rather than risk a replay).
   */
  claimNonce(nonceKey: string, ttlMs: number): MaybeAsync<NonceClaim>;

  /** Frees memory of expired entries (reads already ignore them). */
  sweep(): MaybeAsync<void>;
  stats(): MaybeAsync<LoopStoreStats>;
  ping(): MaybeAsync<boolean>;
  /** Stops the backend's timers and connections; a second call is harmless. */
  close(): Promise<void>;
}
