import { randomBytes } from 'node:crypto';
import OpenTok from 'opentok';
import type { Logger } from 'pino';
import { systemTimers, type Timers } from '../../../clock.ts';
import { DEFAULT_OPENTOK_API_URL, type TokBoxChannels, type TokBoxCredentials } from '../options.ts';
import type { MediaProvider } from '../types.ts';

export interface OpenTokProviderOptions {
  readonly credentials: TokBoxChannels;
  readonly retryOnError: number;
  readonly timeoutMs: number;
  readonly tokenFormat: 't1' | 'jwt';
  readonly log: Logger;
  readonly timers?: Timers;
}

/** The part of the SDK we use; @types/opentok lacks generateToken's third argument (T1 vs JWT) and `nonce`. */
interface Sdk {
  createSession(options: { mediaMode: 'relayed' }, cb: (err: Error | null, session?: { sessionId?: unknown }) => void): void;
  generateToken(sessionId: string, options: { role: string; expireTime: number; nonce: number }, generateT1Token: boolean): string;
}

interface Channel {
  readonly name: string;
  readonly apiKey: string;
  readonly sdk: Sdk;
}

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
    // The SDK takes `timeout` but never hands it to its HTTP call (lib/api.js): we time each attempt ourselves.
    const env = { apiUrl: (creds.apiUrl ?? DEFAULT_OPENTOK_API_URL).replace(/\/+$/, ''), timeout: this.#options.timeoutMs };
    const sdk = new OpenTok(creds.apiKey, creds.apiSecret, env) as unknown as Sdk;
    return { name, apiKey: creds.apiKey, sdk };
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

  #attempt(ch: Channel): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      let settled = false;
      const finish = (err: Error | null, sessionId?: string) => {
        if (settled) return;
        settled = true;
        this.#timers.clearTimeout(timer);
        if (err) reject(err);
        else resolve(sessionId!);
      };
      const timer = this.#timers.setTimeout(
        () => finish(new Error(`OpenTok did not answer within ${this.#options.timeoutMs} ms`)),
        this.#options.timeoutMs,
      );
      try {
        // The SDK may call back twice (an exception in its success path lands in its catch): `settled` guards.
        ch.sdk.createSession({ mediaMode: 'relayed' }, (err, session) => {
          if (err) return finish(err);
          const id = session?.sessionId;
          if (typeof id !== 'string' || id.length === 0) return finish(new Error('OpenTok answered without a session id'));
          finish(null, id);
        });
      } catch (err) {
        finish(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }
}
