import { createHmac } from 'node:crypto';
import { deriveCredentials, type HawkCredentials } from '../../src/loop/credentials.ts';

/** What a Hawk request MAC covers (no payload hash, no ext: the server does not ask for them). */
export interface HawkRequest {
  readonly method: string;
  /** Path and query, as sent. */
  readonly resource: string;
  readonly host: string;
  readonly port: number;
  /** Unix seconds. */
  readonly ts: number;
  readonly nonce: string;
}

/**
 * The `Authorization: Hawk …` value of a request, computed as the hawk
 * package's client does (hawk.1.header normalized string, HMAC-SHA256 keyed
 * with the key's ASCII bytes, base64), at a fraction of its cost: the load
 * generator signs hundreds of thousands of these.
 */
export function hawkAuthorization(creds: HawkCredentials, r: HawkRequest): string {
  const normalized = `hawk.1.header\n${r.ts}\n${r.nonce}\n${r.method.toUpperCase()}\n${r.resource}\n${r.host.toLowerCase()}\n${r.port}\n\n\n`;
  const mac = createHmac('sha256', creds.key).update(normalized).digest('base64');
  return `Hawk id="${creds.id}", ts="${r.ts}", nonce="${r.nonce}", mac="${mac}"`;
}

/** §3.2: the Hawk credentials of a session token (HKDF, as a Loop client derives them). */
export function credentialsOfToken(token: string): HawkCredentials {
  return deriveCredentials(token);
}
