import type { CallUrlRecord, LoopStore } from '../../store/loop.ts';
import { then, type MaybeAsync } from '../../store/maybe-async.ts';
import { newUrlToken } from '../credentials.ts';
import { isLoopError, loopErrors, type LoopError } from '../errors.ts';
import type { LoopConfig } from '../settings.ts';
import { callUrlText, expiresInHours, type CallUrlRequest } from './validation.ts';
import { listed, type CallUrlListing } from './views.ts';

export type { CallUrlRequest } from './validation.ts';
export type { CallUrlListing } from './views.ts';

/** What the call-URL rules use: the Loop store's call-URL operations, the settings and a wall clock. */
export interface CallUrlDeps {
  readonly store: Pick<LoopStore, 'putCallUrl' | 'getCallUrl' | 'listCallUrls' | 'deleteCallUrl'>;
  /** The `callUrls` section: lifetimes in hours, token size in bytes, whether POST /call-url still works. */
  readonly settings: Pick<LoopConfig['callUrls'], 'timeout' | 'maxTimeout' | 'tokenSize' | 'allowCreate'>;
  readonly limits: Pick<LoopConfig['limits'], 'callUrlsPerUser' | 'callUrlTextSize'>;
  /** Wall-clock ms since the epoch (timestamps and expiries are unix seconds of it). */
  nowMs(): number;
  /** A new call token of `bytes` random bytes; CSPRNG base64url unless a test gives its own. */
  newToken?(bytes: number): string;
}

/** The user a call URL is made for: its key, and the identity that is the default issuer. */
export interface CallUrlOwner {
  readonly userKey: string;
  readonly identity?: string;
}

export interface CreatedCallUrl {
  readonly callToken: string;
  /** Unix seconds. */
  readonly expiresAt: number;
}

const HOUR_SEC = 3600;

/** §6: call URLs a user creates, lists, updates and revokes. Plain TypeScript on an injected store and clock. */
export class CallUrls {
  readonly #newToken: (bytes: number) => string;

  constructor(private readonly deps: CallUrlDeps) {
    this.#newToken = deps.newToken ?? newUrlToken;
  }

  /** §6.2: with `callUrls.allowCreate` off, creation is refused whatever the request (0.18+ behaviour). */
  creationRefusal(): LoopError | null {
    return this.deps.settings.allowCreate ? null : loopErrors.noLongerSupported();
  }

  /**
   * §6.2: expiresIn (§6.1), then the text fields, then the per-user cap, which
   * the store checks atomically as it saves (no count first: one store call).
   * The issuer defaults to the owner's identity.
   */
  create(owner: CallUrlOwner, request: CallUrlRequest): MaybeAsync<CreatedCallUrl | LoopError> {
    const refusal = this.creationRefusal();
    if (refusal) return refusal;
    const { store, settings, limits } = this.deps;
    const hours = expiresInHours(request.expiresIn, settings.timeout, settings.maxTimeout);
    if (isLoopError(hours)) return hours;
    const text = callUrlText(request, limits.callUrlTextSize);
    if (isLoopError(text)) return text;
    const cap = limits.callUrlsPerUser;
    const record = this.#record(this.#newToken(settings.tokenSize), owner.userKey, text, text.issuer || owner.identity || '', hours);
    // At once when the store answers at once.
    return then(store.putCallUrl(record, this.#ttlMs(record.expires), cap), (stored) =>
      stored ? { callToken: record.token, expiresAt: record.expires } : this.#tooMany());
  }

  /** GET /call-url (§6): the user's live call URLs, oldest first, without their owner key. */
  async list(userKey: string): Promise<CallUrlListing[]> {
    const records = await this.deps.store.listCallUrls(userKey);
    records.sort((a, b) => a.timestamp - b.timestamp);
    return records.map(listed);
  }

  /**
   * PUT /call-url/{token} (§6): 404 for an unknown token, then expiresIn, then 404 `Not Found.`
   * for another user's URL, then the text fields. The text fields are
   * replaced, not merged, and the issuer falls back to '' (quirk, reproduced).
   */
  async update(token: string, userKey: string, request: CallUrlRequest): Promise<{ expiresAt: number } | LoopError> {
    const { store, settings, limits } = this.deps;
    const current = await store.getCallUrl(token);
    if (!current) return loopErrors.tokenNotFound();
    const hours = expiresInHours(request.expiresIn, settings.timeout, settings.maxTimeout);
    if (isLoopError(hours)) return hours;
    if (current.userKey !== userKey) return loopErrors.callUrlNotOwned();
    const text = callUrlText(request, limits.callUrlTextSize);
    if (isLoopError(text)) return text;
    const record = this.#record(current.token, current.userKey, text, text.issuer ?? '', hours);
    await store.putCallUrl(record, this.#ttlMs(record.expires));
    return { expiresAt: record.expires };
  }

  /** DELETE /call-url/{token} (§6): 404 for an unknown token, 403 for another user's; null once revoked. */
  async revoke(token: string, userKey: string): Promise<LoopError | null> {
    const { store } = this.deps;
    const current = await store.getCallUrl(token);
    if (!current) return loopErrors.tokenNotFound();
    if (current.userKey !== userKey) return loopErrors.forbidden();
    await store.deleteCallUrl(current.token);
    return null;
  }

  #record(token: string, userKey: string, text: { callerId?: string; subject?: string }, issuer: string, hours: number): CallUrlRecord {
    const timestamp = Math.floor(this.deps.nowMs() / 1000);
    const expires = timestamp + hours * HOUR_SEC;
    const { callerId, subject } = text;
    // Plain literals in one key order, not object spreads with conditional parts (V8's slow path: ~10 us per
    // request measured on POST /calls/{token}).
    if (callerId !== undefined) {
      return subject !== undefined
        ? { token, userKey, callerId, issuer, subject, timestamp, expires }
        : { token, userKey, callerId, issuer, timestamp, expires };
    }
    return subject !== undefined ? { token, userKey, issuer, subject, timestamp, expires } : { token, userKey, issuer, timestamp, expires };
  }

  #ttlMs(expires: number): number {
    return expires * 1000 - this.deps.nowMs();
  }

  /** Ours (`limits.callUrlsPerUser`): the oldest call URLs are not evicted to make room. */
  #tooMany(): LoopError {
    return loopErrors.quota(`Too many call URLs: a user may have at most ${this.deps.limits.callUrlsPerUser}.`);
  }
}
