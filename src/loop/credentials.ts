import { randomFillSync } from 'node:crypto';
import { latin1Write } from '../bytes.ts';
import { hmacSha256 } from '../crypto/hmac.ts';

const INFO = 'identity.mozilla.com/picl/v1/sessionToken';
/** RFC 5869 §2.2: no salt means HashLen zero bytes. */
const ZERO_SALT = Buffer.alloc(32);
const INFO_1 = Buffer.from(`${INFO}\x01`, 'latin1');
const INFO_2 = Buffer.from(`${INFO}\x02`, 'latin1');

export interface HawkCredentials {
  /** Hawk id, 64 lowercase hex chars. */
  readonly id: string;
  /** Hawk key, 64 lowercase hex chars; the MAC key is this string's ASCII bytes (§3.2). */
  readonly key: string;
}

/** Scratch of deriveCredentials (synchronous: never held across an await). */
const tokenBytes = Buffer.alloc(32);
const prk = Buffer.alloc(32);
/** T(1) | INFO | 0x02: the input of the second expand block, INFO written once. */
const t2Input = Buffer.alloc(32 + INFO_2.length);
INFO_2.copy(t2Input, 32);

/**
 * §3.2: HKDF-SHA256(token bytes, no salt, INFO, 64) split into id and key.
 * Written out as its three HMACs (RFC 5869: extract, then expand blocks T1
 * and T2): much cheaper than hkdfSync, whose argument checks and key objects
 * cost more than the hashing at this size (registration is a hot path). The
 * intermediate digests come out as latin1 strings written into scratch
 * buffers: a digest as a new Buffer costs a fresh ArrayBuffer each (about
 * 0.6 µs).
 */
export function deriveCredentials(tokenHex: string): HawkCredentials {
  // A minted token is 64 hex chars: 32 bytes; any other (only tests make those) is decoded on its own.
  const ikm = tokenHex.length === 64 && tokenBytes.write(tokenHex, 'hex') === 32 ? tokenBytes : Buffer.from(tokenHex, 'hex');
  latin1Write(prk, hmacSha256(ZERO_SALT, ikm, 'binary'), 0);
  const id = hmacSha256(prk, INFO_1, 'hex');
  t2Input.write(id, 0, 'hex');
  return { id, key: hmacSha256(prk, t2Input, 'hex') };
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

function random(n: number, encoding: 'hex' | 'base64url' | 'base64'): string {
  const [start, end] = take(n);
  return pool.toString(encoding, start, end);
}

/** A new session token: 32 CSPRNG bytes as 64 lowercase hex chars. */
export function newSessionToken(): string {
  return random(32, 'hex');
}

/** hex(HMAC-SHA256(key = hexDecode(secretHex), message)): idHmac (§3.3), user keys (§3.8). */
export function hmacHex(secret: Buffer, message: string): string {
  return hmacSha256(secret, message, 'hex');
}

/** `n` CSPRNG bytes as base64url without padding (call and room tokens). */
export function newUrlToken(bytes: number): string {
  return random(bytes, 'base64url');
}

/** `n` CSPRNG bytes as hex (callId, WebSocket tokens, OAuth state). */
export function randomHex(bytes: number): string {
  return random(bytes, 'hex');
}

/** `n` CSPRNG bytes as standard base64 with padding (the fake provider's session ids). */
export function randomBase64(bytes: number): string {
  return random(bytes, 'base64');
}
