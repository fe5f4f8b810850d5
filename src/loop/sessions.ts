import type { LoopStore, SessionRecord } from '../store/loop.ts';
import { isAsync, type MaybeAsync } from '../store/maybe-async.ts';
import { deriveCredentials, hmacHex, newSessionToken } from './credentials.ts';
import type { AuthedSession } from './exchange.ts';

/** A session just minted, and the token that goes out once in `Hawk-Session-Token` (§3.2). */
export interface MintedSession {
  readonly token: string;
  readonly session: AuthedSession;
}

export interface SessionsOptions {
  readonly store: LoopStore;
  readonly hawkIdSecret: string;
  readonly userMacSecret: string;
  /** hawkSessionDuration in ms. */
  readonly sessionTtlMs: number;
}

/** Sessions and users (§3.2, §3.3, §3.8): minting, user keys, identity links. */
export class Sessions {
  readonly #store: LoopStore;
  readonly #idSecret: Buffer;
  readonly #userSecret: Buffer;
  readonly ttlMs: number;

  constructor(o: SessionsOptions) {
    this.#store = o.store;
    this.#idSecret = Buffer.from(o.hawkIdSecret, 'hex');
    this.#userSecret = Buffer.from(o.userMacSecret, 'hex');
    this.ttlMs = o.sessionTtlMs;
  }

  /** §3.3 idHmac of a Hawk id. */
  idHmac(id: string): string {
    return hmacHex(this.#idSecret, id);
  }

  /** §3.8 user key of an identity (case-insensitive). */
  userKeyOf(identity: string): string {
    return hmacHex(this.#userSecret, identity.toLowerCase());
  }

  /** HMAC(userMacSecret, value): room participant token keys (§3.10). */
  userMac(value: string): string {
    return hmacHex(this.#userSecret, value);
  }

  /** Mints a session (anonymous, or linked to `identity`) and stores it. */
  mint(extra: { identity?: string; oauthState?: string } = {}): MaybeAsync<MintedSession> {
    const token = newSessionToken();
    const { id, key } = deriveCredentials(token);
    const idHmac = this.idHmac(id);
    // Built key by key: conditional object spreads take V8's slow path (they cost ~10 µs on POST /calls).
    const record: { -readonly [K in keyof SessionRecord]: SessionRecord[K] } = {
      key,
      idHmac,
      userKey: extra.identity !== undefined ? this.userKeyOf(extra.identity) : idHmac,
    };
    if (extra.identity !== undefined) record.identity = extra.identity;
    if (extra.oauthState !== undefined) record.oauthState = extra.oauthState;
    const minted: MintedSession = { token, session: { id, record } };
    const stored = this.#store.createSession(id, record, this.ttlMs);
    return isAsync(stored) ? stored.then(() => minted) : minted;
  }

  /** Links the session to an identity: it becomes that registered user (§3.8). */
  async link(session: AuthedSession, identity: string): Promise<boolean> {
    return this.#store.updateSession(session.id, { identity, userKey: this.userKeyOf(identity) });
  }
}
