import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type OpenTokSdk from 'opentok';
import type { Logger } from 'pino';
import { systemTimers, type Timers } from '../../../clock.ts';
import type { OutboundClient } from '../../../net/outbound-http.ts';
import { DEFAULT_OPENTOK_API_URL, type TokBoxChannels, type TokBoxCredentials } from '../options.ts';
import type { MediaProvider } from '../types.ts';

export interface OpenTokProviderOptions {
  readonly credentials: TokBoxChannels;
  readonly retryOnError: number;
  readonly timeoutMs: number;
  readonly tokenFormat: 't1' | 'jwt';
  readonly log: Logger;
  /** Session creation goes through it (private destinations refused, no redirect). */
  readonly outbound: OutboundClient;
  readonly timers?: Timers;
}

/**
 * The part of the SDK we use: local signing only. @types/opentok lacks
 * generateToken's third argument (T1 vs JWT) and `nonce`. Its own REST calls
 * go through node-fetch on the global agent and follow redirects, so session
 * creation is made here instead, through the outbound client.
 */
interface Sdk {
  generateToken(sessionId: string, options: { role: string; expireTime: number; nonce: number }, generateT1Token: boolean): string;
  /** The project JWT the SDK sends as X-OPENTOK-AUTH. */
  generateJwt(): string;
}

interface Channel {
  readonly name: string;
  readonly apiKey: string;
  /** No trailing slash. */
  readonly apiUrl: string;
  readonly sdk: Sdk;
}

/**
 * The SDK (CommonJS) is loaded by the first OpenTok provider made: loading it takes about 0.1 s of the
 * server's start-up, and a deployment on the fake provider never needs it.
 */
const loadSdk = (): typeof OpenTokSdk => createRequire(import.meta.url)('opentok') as typeof OpenTokSdk;

/** What the SDK posts for `createSession({ mediaMode: 'relayed' })`. */
const RELAYED_SESSION_FORM = 'archiveMode=manual&p2p.preference=enabled';

/** The api key a session id carries (field 1 of its `~`-separated base64 payload), as the SDK decodes it. */
export function apiKeyOfSessionId(sessionId: string): string | undefined {
  const payload = Buffer.from(sessionId.slice(2).replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('latin1');
  return payload.split('~')[1];
}

/**
 * The OpenTok REST provider (loop-v1.md §14.1, `tokBox.provider = opentok`):
 * one SDK client per channel, `default` for any other channel; sessions in
 * relayed media mode, `retryOnError` attempts of `timeoutMs` each.
 */
export class OpenTokMediaProvider implements MediaProvider {
  readonly fake = false;
  readonly #channels = new Map<string, Channel>();
  readonly #default: Channel;
  readonly #options: OpenTokProviderOptions;
  readonly #timers: Timers;

  constructor(options: OpenTokProviderOptions) {
    this.#options = options;
    this.#timers = options.timers ?? systemTimers;
    for (const [name, creds] of Object.entries(options.credentials)) this.#channels.set(name, this.#client(name, creds));
    const fallback = this.#channels.get('default');
    if (!fallback) throw new Error('tokBox.credentials needs a "default" channel');
    this.#default = fallback;
  }

  #client(name: string, creds: TokBoxCredentials): Channel {
    const apiUrl = (creds.apiUrl ?? DEFAULT_OPENTOK_API_URL).replace(/\/+$/, '');
    const OpenTok = loadSdk();
    const sdk = new OpenTok(creds.apiKey, creds.apiSecret, { apiUrl }) as unknown as Sdk;
    return { name, apiKey: creds.apiKey, apiUrl, sdk };
  }

  #channel(name: string): Channel {
    return this.#channels.get(name) ?? this.#default;
  }

  async createSession(channel: string): Promise<{ apiKey: string; sessionId: string }> {
    const ch = this.#channel(channel);
    const attempts = Math.max(1, this.#options.retryOnError);
    let last: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        return { apiKey: ch.apiKey, sessionId: await this.#attempt(ch) };
      } catch (err) {
        // A refused destination (logged once by the outbound client) is not retried.
        if (err instanceof DestinationRefused) throw new Error(`OpenTok session creation refused: ${err.message}`, { cause: err });
        last = err;
        this.#options.log.warn({ err, channel: ch.name, attempt, attempts }, 'OpenTok session creation failed');
      }
    }
    throw new Error(`OpenTok session creation failed ${attempts} times: ${(last as Error)?.message ?? last}`, { cause: last });
  }

  createToken(sessionId: string, channel: string, role: 'publisher' | 'moderator', expireTime: number): string {
    // The SDK refuses a session of another api key; after a key rotation the
    // caller may still hold one, so sign with the project that made it when we know it.
    let ch = this.#channel(channel);
    const owner = apiKeyOfSessionId(sessionId);
    if (owner !== ch.apiKey) ch = [...this.#channels.values()].find((c) => c.apiKey === owner) ?? ch;
    // A CSPRNG nonce instead of the SDK's Math.random(): tokens are also room credentials (§3.10).
    const nonce = randomBytes(6).readUIntBE(0, 6) / 2 ** 48;
    return ch.sdk.generateToken(sessionId, { role, expireTime: Math.floor(expireTime), nonce }, this.#options.tokenFormat === 't1');
  }

  currentApiKey(channel: string): string {
    return this.#channel(channel).apiKey;
  }

  /** One session creation on the `default` project, within `timeoutMs`, no retry. */
  async ping(): Promise<void> {
    await this.#attempt(this.#default);
  }

  /** One `POST {apiUrl}/session/create`, timed on the injected timers (and by the client's own deadline). */
  #attempt(ch: Channel): Promise<string> {
    const { timeoutMs } = this.#options;
    const late = `OpenTok did not answer within ${timeoutMs} ms`;
    const abort = new AbortController();
    const headers = { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded', 'X-OPENTOK-AUTH': ch.sdk.generateJwt() };
    return new Promise<string>((resolve, reject) => {
      const timer = this.#timers.setTimeout(() => {
        abort.abort();
        reject(new Error(late));
      }, timeoutMs);
      const call = this.#options.outbound.request(`${ch.apiUrl}/session/create`, {
        method: 'POST',
        headers,
        body: RELAYED_SESSION_FORM,
        timeoutMs,
        signal: abort.signal,
      });
      call.then((res) => {
        this.#timers.clearTimeout(timer);
        if (!res.ok && res.code === 'outbound_refused') return reject(new DestinationRefused(res.message));
        if (!res.ok) return reject(new Error(res.code === 'timeout' ? late : `Failed to createSession: ${res.message}`));
        if (res.status < 200 || res.status >= 300) {
          return reject(new Error(`Failed to createSession: OpenTok answered ${res.status} ${res.body.slice(0, 200)}`.trimEnd()));
        }
        const id = sessionIdOf(res.body);
        if (id === undefined) return reject(new Error('OpenTok answered without a session id'));
        resolve(id);
      });
    });
  }
}

/** The apiUrl points at an address the outbound policy refuses (OUTBOUND_ALLOW). */
class DestinationRefused extends Error {}

/** `[{"session_id": "…", …}]`, the REST answer to a session creation. */
function sessionIdOf(body: string): string | undefined {
  try {
    const id: unknown = JSON.parse(body)?.[0]?.session_id;
    return typeof id === 'string' && id.length > 0 ? id : undefined;
  } catch {
    return undefined;
  }
}
