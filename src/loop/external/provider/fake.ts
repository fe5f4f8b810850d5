import { randomBytes } from 'node:crypto';
import { hmacSha1 } from '../../../crypto/hmac.ts';
import { randomBase64, randomHex } from '../../credentials.ts';
import type { MediaProvider } from '../types.ts';
import type { MaybeAsync } from '../../../store/maybe-async.ts';

/** Scratch for base64-encoding ids and tokens without a Buffer each (synchronous use only). */
const scratch = Buffer.allocUnsafe(4096);

/** base64 / base64url of the UTF-8 bytes of `text`. */
function encode(text: string, encoding: 'base64' | 'base64url'): string {
  if (text.length * 3 > scratch.length) return Buffer.from(text).toString(encoding);
  return scratch.toString(encoding, 0, scratch.write(text));
}

export interface FakeProviderOptions {
  readonly fakeApiKey: string;
  /** Absent: a random secret for this provider (so per process). */
  readonly fakeApiSecret?: string;
  /** Wall-clock milliseconds since the epoch (session ids and token times). */
  readonly nowMs?: () => number;
}

/**
 * The offline provider (loop-v1.md §14.1, `tokBox.provider = fake`). Session
 * ids and tokens have the real OpenTok shapes, so the OpenTok SDK and JS
 * client can decode them; tokens double as room credentials (§3.10), so each
 * carries a 128-bit CSPRNG nonce and an HMAC under the secret. Random bytes
 * come from the pooled CSPRNG helpers and the HMAC from the one-shot module:
 * a call makes a session and two tokens, so both are on a hot path.
 */
export class FakeMediaProvider implements MediaProvider {
  readonly fake = true;
  readonly #apiKey: string;
  readonly #apiSecret: string;
  readonly #nowMs: () => number;
  #failuresToSimulate = 0;

  constructor(options: FakeProviderOptions) {
    this.#apiKey = options.fakeApiKey;
    this.#apiSecret = options.fakeApiSecret ?? randomBytes(32).toString('hex');
    this.#nowMs = options.nowMs ?? Date.now;
  }

  /** Test hook: the next `count` session creations reject, as if the provider were down. */
  failNextSessions(count: number): void {
    this.#failuresToSimulate = count;
  }

  /** At once (no network): a room create or call placed on the fake provider makes no promise hop here. */
  createSession(_channel: string): MaybeAsync<{ apiKey: string; sessionId: string }> {
    if (this.#failuresToSimulate > 0) {
      this.#failuresToSimulate--;
      return Promise.reject(new Error('fake provider: simulated session-creation failure'));
    }
    // `1~<apiKey>~~<ms>~<24 random base64 chars>~`: field 1 is what the SDK reads as the api key.
    const raw = `1~${this.#apiKey}~~${this.#nowMs()}~${randomBase64(18)}~`;
    return { apiKey: this.#apiKey, sessionId: '1_' + encode(raw, 'base64url') };
  }

  createToken(sessionId: string, _channel: string, role: 'publisher' | 'moderator', expireTime: number): string {
    const createTime = Math.floor(this.#nowMs() / 1000);
    const nonce = randomHex(16);
    const data =
      `session_id=${sessionId}&create_time=${createTime}&nonce=${nonce}&role=${role}` +
      `&expire_time=${Math.floor(expireTime)}&initial_layout_class_list=`;
    const sig = hmacSha1(this.#apiSecret, data, 'hex');
    return 'T1==' + encode(`partner_id=${this.#apiKey}&sig=${sig}:${data}`, 'base64');
  }

  currentApiKey(_channel: string): string {
    return this.#apiKey;
  }

  async ping(): Promise<void> {}
}
