import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { originOf, type OutboundClient, type OutboundRequest } from '../../net/outbound-http.ts';
import { loopFailure, serviceUnavailable } from './failure.ts';
import type { FxaOAuthOptions } from './options.ts';
import type { FxaExchangeOutcome, FxaOAuthClient } from './types.ts';

const FAKE_CODE = /^fake:([^\s@]+@[^\s@]+)$/;

/** `fxaOAuth.provider = fake` (§14.3): `fake:<email>` codes, no network. */
export class FakeFxaOAuthClient implements FxaOAuthClient {
  readonly mode = 'fake';
  readonly #scope: string;

  constructor(options: Pick<FxaOAuthOptions, 'scope'>) {
    this.#scope = options.scope;
  }

  async exchange(code: string): Promise<FxaExchangeOutcome> {
    const email = FAKE_CODE.exec(code)?.[1];
    if (email === undefined) return serviceUnavailable();
    return { ok: true, tokenType: 'bearer', accessToken: randomBytes(32).toString('hex'), scope: this.#scope, email };
  }
}

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * `fxaOAuth.provider = remote` (§9 steps 3–4): the code is traded at
 * `{oauth_uri}/token`, then the email read from `{profile_uri}/profile`,
 * through the outbound client (no private destination, no redirect).
 */
export class RemoteFxaOAuthClient implements FxaOAuthClient {
  readonly mode = 'remote';
  readonly #options: FxaOAuthOptions;
  readonly #log: Logger;
  readonly #outbound: OutboundClient;

  constructor(options: FxaOAuthOptions, log: Logger, outbound: OutboundClient) {
    this.#options = options;
    this.#log = log;
    this.#outbound = outbound;
  }

  async exchange(code: string): Promise<FxaExchangeOutcome> {
    const { client_id, client_secret, oauth_uri, profile_uri, timeoutMs } = this.#options;
    if (!client_id || !client_secret) {
      this.#log.warn('fxaOAuth.client_id / client_secret are not configured: OAuth exchange refused');
      return serviceUnavailable();
    }
    const token = await this.#call(`${oauth_uri}/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ code, client_id, client_secret }),
      timeoutMs,
    });
    if (token === undefined) return serviceUnavailable();
    let grant: Record<string, unknown> | undefined;
    try {
      grant = JSON.parse(token.body);
    } catch {
      grant = undefined;
    }
    // Ours: the original went on to the profile call with "Bearer undefined" and
    // ended in the same 503 errno 201; we stop here.
    if (typeof grant !== 'object' || grant === null || typeof grant.access_token !== 'string' || !grant.access_token) {
      this.#log.warn({ status: token.status }, 'FxA OAuth token endpoint gave no access_token');
      return serviceUnavailable();
    }
    const accessToken = grant.access_token;
    const profile = await this.#call(`${profile_uri}/profile`, {
      headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/json' },
      timeoutMs,
    });
    if (profile === undefined) return serviceUnavailable();
    let data: unknown;
    try {
      data = JSON.parse(profile.body);
    } catch (err) {
      // Loop-compat: the message is the parse error, " JSON: " and the body.
      return loopFailure(503, 106, `${err} JSON: ${profile.body}`);
    }
    const email = typeof data === 'object' && data !== null ? (data as Record<string, unknown>).email : undefined;
    if (typeof email !== 'string' || !email) {
      // Loop-compat: the original appended the parsed body with `+`, hence "[object Object]".
      return loopFailure(503, 201, `email not found in the oauth server request. ${String(data)}`);
    }
    return { ok: true, tokenType: text(grant.token_type), accessToken, scope: text(grant.scope), email };
  }

  /** One HTTP call; undefined when it failed (network, timeout, redirect, refused destination): the caller answers 503 errno 201. */
  async #call(url: string, request: OutboundRequest): Promise<{ status: number; body: string } | undefined> {
    const res = await this.#outbound.request(url, request);
    if (res.ok) return { status: res.status, body: res.body };
    // A refused destination was logged by the outbound client (once per URL).
    if (res.code !== 'outbound_refused') this.#log.warn({ origin: originOf(url), error: res.message }, 'FxA OAuth call failed');
    return undefined;
  }
}
