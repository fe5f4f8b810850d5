import type { Logger } from 'pino';
import type { OutboundClient } from '../../net/outbound-http.ts';
import { loopFailure } from './failure.ts';
import type { BrowserIdOptions } from './options.ts';
import type { BrowserIdOutcome, BrowserIdVerifier, LoopFailure } from './types.ts';

/**
 * 401 errno 110 with `WWW-Authenticate: BrowserID[ error="<message>"]` and
 * body error `<message>` or `Unauthorized` (loop-v1.md §3.9). The original
 * meant to escape quotes and did not; we escape them (and drop control
 * characters) so the header stays well-formed.
 */
export function browserIdRefusal(message?: string): LoopFailure {
  if (!message) return loopFailure(401, 110, 'Unauthorized', 'BrowserID');
  const quoted = message.replace(/[\x00-\x1f\x7f]+/g, ' ').replace(/["\\]/g, '\\$&');
  return loopFailure(401, 110, message, `BrowserID error="${quoted}"`);
}

const INVALID_ASSERTION = loopFailure(400, 110, 'BrowserID assertion is invalid');
const NOT_AVAILABLE = browserIdRefusal('BrowserID is not available');
const FAKE_IDENTITY = /^(?:[^\s@]+@[^\s@]+|\+\d+)$/;

/** The `aud` of an assertion: JSON in its 4th dot-separated base64 segment. Throws when unreadable. */
export function assertionAudience(assertion: string): unknown {
  const segment = assertion.split('.')[3];
  if (segment === undefined) throw new Error('no fourth segment');
  const claims: unknown = JSON.parse(Buffer.from(segment, 'base64').toString('utf8'));
  if (claims === null || claims === undefined) throw new Error('empty claims');
  return (claims as { aud?: unknown }).aud;
}

/** `idpClaims["fxa-verifiedEmail"]`, else `idpClaims.verifiedMSISDN`. */
function identityOf(data: Record<string, unknown>): string | undefined {
  const claims = data.idpClaims;
  if (typeof claims !== 'object' || claims === null) return undefined;
  const { 'fxa-verifiedEmail': email, verifiedMSISDN: msisdn } = claims as Record<string, unknown>;
  if (typeof email === 'string' && email) return email;
  if (typeof msisdn === 'string' && msisdn) return msisdn;
  return undefined;
}

/** Splits `BrowserID <assertion>` as the original did: exactly two space-separated parts. */
function assertionOf(header: string): string | undefined {
  const parts = header.split(' ');
  if (parts.length !== 2 || parts[0].toLowerCase() !== 'browserid') return undefined;
  return parts[1];
}

/** `identity.browserid = off`: every BrowserID header is refused (§14.2). */
export class OffBrowserIdVerifier implements BrowserIdVerifier {
  readonly mode = 'off';
  async verify(_header: string): Promise<BrowserIdOutcome> {
    return NOT_AVAILABLE;
  }
}

/** `identity.browserid = fake`: `fake:<email>` or `fake:+<digits>` is that identity; tests and demos only. */
export class FakeBrowserIdVerifier implements BrowserIdVerifier {
  readonly mode = 'fake';
  async verify(header: string): Promise<BrowserIdOutcome> {
    const assertion = assertionOf(header);
    if (assertion === undefined || !assertion.startsWith('fake:')) return browserIdRefusal();
    const identity = assertion.slice('fake:'.length);
    // Refused like a verifier's `status: "failure"` answer: plain BrowserID / Unauthorized.
    return FAKE_IDENTITY.test(identity) ? { ok: true, identity } : browserIdRefusal();
  }
}

/**
 * `identity.browserid = remote`: the original protocol against `fxaVerifier`
 * (§3.9), through the outbound client (no private destination, no redirect).
 */
export class RemoteBrowserIdVerifier implements BrowserIdVerifier {
  readonly mode = 'remote';
  readonly #options: BrowserIdOptions;
  readonly #log: Logger;
  readonly #outbound: OutboundClient;

  constructor(options: BrowserIdOptions, log: Logger, outbound: OutboundClient) {
    this.#options = options;
    this.#log = log;
    this.#outbound = outbound;
  }

  async verify(header: string): Promise<BrowserIdOutcome> {
    const assertion = assertionOf(header);
    if (assertion === undefined) return browserIdRefusal();
    let audience: unknown;
    try {
      audience = assertionAudience(assertion);
    } catch {
      return browserIdRefusal('Malformed audience');
    }
    if (typeof audience !== 'string' || !this.#options.fxaAudiences.includes(audience)) {
      return browserIdRefusal('Invalid audience');
    }
    const verifier = this.#options.fxaVerifier;
    const res = await this.#outbound.request(verifier, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ audience, assertion }),
      timeoutMs: this.#options.verifierTimeoutMs,
    });
    if (!res.ok && res.code === 'outbound_refused') {
      // Logged by the outbound client (once per URL).
      return browserIdRefusal(`Verifier service unavailable: ${verifier} is not an allowed destination`);
    }
    if (!res.ok && res.code !== 'redirect') {
      this.#log.warn({ error: res.message }, 'BrowserID verifier unreachable');
      return browserIdRefusal(res.message);
    }
    // A redirect is not followed: it is a verifier answering with no JSON.
    const status = res.status;
    const text = res.ok ? res.body : '';
    let data: unknown;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      data = undefined;
    }
    if (typeof data !== 'object' || data === null) {
      return browserIdRefusal(`Verifier service unavailable: ${verifier} returned a ${status}`);
    }
    const answer = data as Record<string, unknown>;
    // A `failure` answer only carries a reason string: the original then sent plain BrowserID / Unauthorized.
    if (answer.status !== 'okay') return browserIdRefusal();
    if (typeof answer.issuer !== 'string' || !this.#options.fxaTrustedIssuers.includes(answer.issuer)) {
      return browserIdRefusal('Issuer is not trusted');
    }
    const identity = identityOf(answer);
    if (identity === undefined) {
      this.#log.warn({ issuer: answer.issuer }, 'BrowserID assertion verified without an identity');
      return INVALID_ASSERTION;
    }
    return { ok: true, identity };
  }
}
