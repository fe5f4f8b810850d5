import { createHmac, randomBytes } from 'node:crypto';
import type { MediaProvider } from '../types.ts';

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
 * carries a 128-bit CSPRNG nonce and an HMAC under the secret.
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

  async createSession(_channel: string): Promise<{ apiKey: string; sessionId: string }> {
    if (this.#failuresToSimulate > 0) {
      this.#failuresToSimulate--;
      throw new Error('fake provider: simulated session-creation failure');
    }
    // `1~<apiKey>~~<ms>~<24 random base64 chars>~`: field 1 is what the SDK reads as the api key.
    const raw = `1~${this.#apiKey}~~${this.#nowMs()}~${randomBytes(18).toString('base64')}~`;
    return { apiKey: this.#apiKey, sessionId: '1_' + Buffer.from(raw).toString('base64url') };
  }

  createToken(sessionId: string, _channel: string, role: 'publisher' | 'moderator', expireTime: number): string {
    const createTime = Math.floor(this.#nowMs() / 1000);
    const nonce = randomBytes(16).toString('hex');
    const data =
      `session_id=${sessionId}&create_time=${createTime}&nonce=${nonce}&role=${role}` +
      `&expire_time=${Math.floor(expireTime)}&initial_layout_class_list=`;
    const sig = createHmac('sha1', this.#apiSecret).update(data).digest('hex');
    return 'T1==' + Buffer.from(`partner_id=${this.#apiKey}&sig=${sig}:${data}`).toString('base64');
  }

  currentApiKey(_channel: string): string {
    return this.#apiKey;
  }

  async ping(): Promise<void> {}
}
