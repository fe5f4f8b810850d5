import Hawk from 'hawk';
import type { Logger } from 'pino';
import { isStoreError, storeFailureFields, type StoreError } from '../store/errors.ts';
import type { LoopStore, NonceClaim, SessionRecord } from '../store/loop.ts';
import { isAsync, type MaybeAsync } from '../store/maybe-async.ts';
import { loopErrors, type LoopError } from './errors.ts';
import type { AuthedSession, HawkPass } from './exchange.ts';
import { hawkMac, parseHawkHeader, sameMac, type HawkHeader } from './hawk-mac.ts';
import { nonceKey } from './nonce-key.ts';

export interface HawkAuthOptions {
  readonly store: LoopStore;
  readonly sessionTtlMs: number;
  readonly protocol: 'http' | 'https';
  /** `hawk.host` / `hawk.port` overrides (proxies). */
  readonly host?: string;
  readonly port?: number;
  readonly log: Logger;
  readonly nowMs: () => number;
}

const SKEW_MS = 60_000;
/** A replayed nonce can only pass inside the skew window on either side of now. */
const NONCE_TTL_MS = 2 * SKEW_MS;

type Host = { readonly name: string; readonly port: number } | null;
const DIGITS = /^\d{1,15}$/;

class StoreFailure extends Error {}

/** The request as the hawk package reads it. */
interface CopiedRequest {
  readonly method: string;
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly authorization: string;
  readonly contentType: string;
}

/** The fast path's answer: verified; nothing (take the slow path); no room for the nonce; the store failed. */
type FastOutcome = HawkVerified | 'full' | StoreError | undefined;

/** A store failure is reported as one (503); anything else thrown sends the request down the slow path. */
const storeFailureOrNothing = (err: unknown): StoreError | undefined => (isStoreError(err) ? err : undefined);

/** Text before the first space of an Authorization value, lower-cased ('' when none). */
export function authScheme(authorization: string): string {
  if (authorization === '') return '';
  const space = authorization.indexOf(' ');
  const scheme = space < 0 ? authorization : authorization.slice(0, space);
  return scheme === 'Hawk' ? 'hawk' : scheme.toLowerCase(); // the usual spelling, without a copy
}

/** What Hawk verification reads of a request (copied from it: plain values). */
export interface HawkRequest {
  readonly method: string;
  readonly path: string;
  /** The raw query string, without '?' ('' when none). */
  readonly query: string;
  readonly authorization: string;
  readonly host: string;
  readonly contentType: string;
}

/** A verified request: its session, and what signing its response needs (§3.5). */
export interface HawkVerified {
  readonly session: AuthedSession;
  readonly hawk: HawkPass;
}

/** The verified request as the hawk package's Server-Authorization signing wants it. */
type Artifacts = Hawk.crypto.Artifacts;

/**
 * §3.4–3.7: Hawk verification from the copied request. A request that
 * verifies cleanly takes a fast path (hawk-mac.ts); anything else (no
 * session, a bad MAC, a stale timestamp, a replay, an unusual header) goes
 * through the `hawk` package, which gives the errors. Host header parses
 * are cached (a client sends one value).
 */
export class HawkAuth {
  readonly #o: HawkAuthOptions;
  readonly #hosts = new Map<string, Host>();
  #lastFullWarning = -Infinity;

  /** One handler for every request's fire-and-forget session touch (no closure per request). */
  readonly #touchFailed = (err: unknown): void => this.#o.log.warn({ err }, 'session touch failed');

  constructor(o: HawkAuthOptions) {
    this.#o = o;
  }

  /**
   * Verifies the request; on success the caller runs as the session and
   * signs its response with `hawk`. The answer comes at once when the store
   * answers at once (the memory store: a clean request makes no promise hop).
   */
  verify(req: HawkRequest): MaybeAsync<HawkVerified | LoopError> {
    const { authorization } = req;
    if (authScheme(authorization) !== 'hawk') return loopErrors.hawkMissing();
    const host = this.#host(req.host);
    if (host === null) {
      return loopErrors.hawkFailure(400, { statusCode: 400, error: 'Bad Request', message: 'Invalid Host header' }, undefined);
    }
    const request: CopiedRequest = {
      method: req.method === 'HEAD' ? 'HEAD' : req.method,
      url: req.query === '' ? req.path : `${req.path}?${req.query}`,
      host: host.name,
      port: host.port,
      authorization,
      contentType: req.contentType,
    };
    const fast = this.#fastPath(request);
    return isAsync(fast) ? fast.then((f) => this.#afterFast(f, request)) : this.#afterFast(fast, request);
  }

  #afterFast(fast: FastOutcome, request: CopiedRequest): MaybeAsync<HawkVerified | LoopError> {
    if (fast === undefined) return this.#slowPath(request);
    if (fast === 'full') return this.#noncesFull();
    if (isStoreError(fast)) return this.#unavailable(fast);
    return fast;
  }

  /**
   * The hawk package's checks, in its order, for a clean success only:
   * undefined sends the request down the slow path (which repeats the
   * checks and gives the error). Nothing is written before the nonce is
   * claimed, and the nonce is claimed last, when success is certain. 'full':
   * the request is sound but the nonce store has no room (503). A StoreError:
   * the store failed (503 too, without a second try down the slow path).
   */
  #fastPath(request: CopiedRequest): MaybeAsync<FastOutcome> {
    const nowMs = Date.now(); // hawk's own staleness clock, read before any other work as it does
    const h = parseHawkHeader(request.authorization);
    if (h === null || !DIGITS.test(h.ts)) return undefined;
    const tsMs = Number(h.ts) * 1000;
    // hawk's staleness check, and our nonceFunc's (which skips the claim when stale by the injected clock).
    if (Math.abs(tsMs - nowMs) > SKEW_MS || Math.abs(tsMs - this.#o.nowMs()) > SKEW_MS) return undefined;
    let record: MaybeAsync<SessionRecord | undefined>;
    try {
      record = this.#o.store.getSession(h.id);
    } catch (err) {
      return storeFailureOrNothing(err);
    }
    return isAsync(record) ? record.then((r) => this.#checkMac(request, h, r), storeFailureOrNothing) : this.#checkMac(request, h, record);
  }

  #checkMac(request: CopiedRequest, h: HawkHeader, record: SessionRecord | undefined): MaybeAsync<FastOutcome> {
    if (!record) return undefined;
    const artifacts: Artifacts = {
      method: request.method, host: request.host, port: request.port, resource: request.url,
      ts: h.ts, nonce: h.nonce, hash: h.hash, ext: h.ext, app: undefined, dlg: undefined, mac: h.mac, id: h.id,
    } as unknown as Artifacts;
    const mac = hawkMac('header', record.key, artifacts as unknown as Parameters<typeof hawkMac>[2]);
    if (mac === null || !sameMac(mac, h.mac)) return undefined;
    let claim: MaybeAsync<NonceClaim>;
    try {
      claim = this.#o.store.claimNonce(nonceKey(record.key, h.ts, h.nonce), NONCE_TTL_MS);
    } catch (err) {
      return storeFailureOrNothing(err);
    }
    return isAsync(claim)
      ? claim.then((c) => this.#claimed(c, h.id, record, artifacts), storeFailureOrNothing)
      : this.#claimed(claim, h.id, record, artifacts);
  }

  #claimed(claim: NonceClaim, id: string, record: SessionRecord, artifacts: Artifacts): FastOutcome {
    if (claim === 'full') return 'full';
    if (claim !== 'claimed') return undefined;
    return this.#pass({ id, record }, record.key, artifacts);
  }

  /** Success: the session's lifetime restarts; the caller signs its response with what this returns. */
  #pass(session: AuthedSession, key: string, artifacts: Artifacts): HawkVerified {
    const hawk = { credentials: { id: session.id, key, algorithm: 'sha256' } as unknown as Hawk.server.Credentials, artifacts };
    try {
      const touched = this.#o.store.touchSession(session.id, this.#o.sessionTtlMs);
      if (isAsync(touched)) touched.catch(this.#touchFailed);
    } catch (err) {
      this.#touchFailed(err);
    }
    return { session, hawk };
  }

  async #slowPath(request: CopiedRequest): Promise<HawkVerified | LoopError> {
    let record: SessionRecord | undefined;
    let id = '';
    const store = this.#o.store;
    const now = this.#o.nowMs;
    let noncesFull = false;
    let storeFailed: StoreError | undefined;
    try {
      const result = await Hawk.server.authenticate(
        request as unknown as Parameters<typeof Hawk.server.authenticate>[0],
        (async (hawkId: string) => {
          try {
            record = await store.getSession(hawkId);
          } catch (err) {
            throw isStoreError(err) ? err : new StoreFailure(String(err));
          }
          id = hawkId;
          return record ? { id: hawkId, key: record.key, algorithm: 'sha256' as const } : null;
        }) as unknown as Hawk.server.CredentialsFunc,
        {
          nonceFunc: async (key: string, nonce: string, ts: string) => {
            // A stale request must get "Stale timestamp", not use up a nonce.
            if (Math.abs(Number(ts) * 1000 - now()) > SKEW_MS) return;
            let claim: NonceClaim;
            try {
              claim = await store.claimNonce(nonceKey(key, ts, nonce), NONCE_TTL_MS);
            } catch (err) {
              if (isStoreError(err)) storeFailed = err; // hawk would report it as "Invalid nonce"
              throw err;
            }
            if (claim === 'full') noncesFull = true;
            if (claim !== 'claimed') throw new Error(claim);
          },
        },
      );
      return this.#pass({ id, record: record! }, result.credentials.key, result.artifacts);
    } catch (err) {
      // hawk turns any nonceFunc error into "Invalid nonce"; a full or failing store is ours to report.
      if (storeFailed) return this.#unavailable(storeFailed);
      return noncesFull ? this.#noncesFull() : this.#failure(err);
    }
  }

  /**
   * No room to remember this nonce, and forgetting a live one would let a
   * captured request be replayed: refuse with 503 (Retry-After) until
   * nonces age out of the window.
   */
  #noncesFull(): LoopError {
    const now = this.#o.nowMs();
    if (now - this.#lastFullWarning >= 60_000) { // once a minute: a flood must not flood the log too
      this.#lastFullWarning = now;
      this.#o.log.warn('Hawk nonce store full: signed requests refused with 503 until nonces age out');
    }
    return loopErrors.noncesFull();
  }

  /** The store failed during the check: §13's 503 errno 201, Retry-After (an outage, logged without a stack). */
  #unavailable(err: StoreError): LoopError {
    this.#o.log.warn(storeFailureFields(err), 'Loop storage unavailable during Hawk verification');
    return loopErrors.storeDuringAuth();
  }

  #failure(err: unknown): LoopError {
    // hawk boomifies what the credentials function threw: the same object, still a StoreError.
    if (isStoreError(err)) return this.#unavailable(err);
    const boom = err as { isBoom?: boolean; isMissing?: boolean; output?: { statusCode: number; payload: Record<string, unknown>; headers: Record<string, string> } };
    if (boom.isBoom && boom.output) {
      if (boom.isMissing) return loopErrors.hawkMissing();
      const status = boom.output.statusCode;
      if (status === 400 || status === 401) {
        return loopErrors.hawkFailure(status, boom.output.payload, boom.output.headers['WWW-Authenticate']);
      }
    }
    this.#o.log.error({ err }, 'Hawk verification failed unexpectedly');
    return loopErrors.storeDuringAuth();
  }

  #host(header: string): Host {
    const o = this.#o;
    if (o.host !== undefined && o.port !== undefined) return { name: o.host, port: o.port };
    let host = this.#hosts.get(header);
    if (host === undefined) {
      host = parseHost(header);
      if (host && o.host !== undefined) host = { name: o.host, port: host.port };
      if (host && o.port !== undefined) host = { name: host.name, port: o.port };
      else if (host && o.protocol === 'https') host = { name: host.name, port: 443 };
      if (this.#hosts.size < 256) this.#hosts.set(header, host);
    }
    return host;
  }
}

/** The hawk package's own Host parsing rules, applied to our copied header. */
function parseHost(header: string): Host {
  if (header === '' || header.length > 4096 || header.includes('/')) return null;
  try {
    const uri = new URL(`http://${header}`);
    return { name: uri.hostname, port: uri.port ? Number(uri.port) : 80 };
  } catch {
    return null;
  }
}
