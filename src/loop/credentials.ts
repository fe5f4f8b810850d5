import { createHmac, hkdfSync, randomFillSync } from 'node:crypto';

const INFO = 'identity.mozilla.com/picl/v1/sessionToken';
const NO_SALT = Buffer.alloc(0);

export interface HawkCredentials {
  /** Hawk id, 64 lowercase hex chars. */
  readonly id: string;
  /** Hawk key, 64 lowercase hex chars; the MAC key is this string's ASCII bytes (§3.2). */
  readonly key: string;
}

/** §3.2: HKDF-SHA256(token bytes, no salt, INFO, 64) split into id and key. */
export function deriveCredentials(tokenHex: string): HawkCredentials {
  const km = Buffer.from(hkdfSync('sha256', Buffer.from(tokenHex, 'hex'), NO_SALT, INFO, 64));
  return { id: km.subarray(0, 32).toString('hex'), key: km.subarray(32).toString('hex') };
}

/**
 * CSPRNG bytes drawn from a refilled 4 KiB pool: one randomFillSync per 128
 * tokens instead of one per token (registration is a hot path). Each byte is
 * handed out once.
 */
const pool = Buffer.allocUnsafe(4096);
let used = pool.length;

function take(n: number): [number, number] {
  if (used + n > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const start = used;
  used += n;
  return [start, used];
}

function random(n: number, encoding: 'hex' | 'base64url'): string {
  const [start, end] = take(n);
  return pool.toString(encoding, start, end);
}

/** A new session token: 32 CSPRNG bytes as 64 lowercase hex chars. */
export function newSessionToken(): string {
  return random(32, 'hex');
}

/** hex(HMAC-SHA256(key = hexDecode(secretHex), message)): idHmac (§3.3), user keys (§3.8). */
export function hmacHex(secret: Buffer, message: string): string {
  return createHmac('sha256', secret).update(message).digest('hex');
}

/** `n` CSPRNG bytes as base64url without padding (call and room tokens). */
export function newUrlToken(bytes: number): string {
  return random(bytes, 'base64url');
}

/** `n` CSPRNG bytes as hex (callId, WebSocket tokens, OAuth state). */
export function randomHex(bytes: number): string {
  return random(bytes, 'hex');
}
