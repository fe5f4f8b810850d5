/** Credentials as decoded from `Authorization: Basic …` (RFC 7617), not yet validated. */
export interface BasicCredentials {
  /** The user-id bytes read as latin1, so each char is one byte and nothing is lost. */
  readonly username: string;
  readonly password: Uint8Array;
  /** The decoded `username:password` bytes as sent (hashed whole, in one pass). */
  readonly joined: Uint8Array;
}

/** Whether the header starts with "basic" in any case (c | 0x20 lower-cases a letter; only 'B' and 'b' give 'b'). */
function isBasic(h: string): boolean {
  return (
    (h.charCodeAt(0) | 0x20) === 0x62 && (h.charCodeAt(1) | 0x20) === 0x61 && (h.charCodeAt(2) | 0x20) === 0x73 &&
    (h.charCodeAt(3) | 0x20) === 0x69 && (h.charCodeAt(4) | 0x20) === 0x63
  );
}

/** Whether the credentials of a header this long fit in `room` bytes once decoded (a bound: base64 takes 4 chars per 3 bytes). */
export const fitsDecoded = (header: string, room: number): boolean => header.length * 0.75 <= room;

/** Each base64 character's 6 bits; -1 for every other character code below 128. */
const SEXTETS = new Int8Array(128).fill(-1);
[...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].forEach((c, i) => (SEXTETS[c.charCodeAt(0)] = i));
const PAD = 0x3d; // '='

/**
 * Decodes the header's `username:password` into `into` from offset `at`
 * (check fitsDecoded first) and returns the offset of its end, or the reason
 * it is refused (the ':' is the caller's to find): strict base64 (only its
 * 64 characters, at most two '=' at the end, no length of 4n+1), in one pass
 * over the text that also validates it, without a call into native code or
 * any allocation: the request path decodes into a scratch buffer that
 * already holds the hashing key. parseBasicAuth is this into a buffer of
 * its own.
 */
export function decodeBasicAuthInto(header: string, into: Buffer, at: number): number | string {
  if (header === '') return 'no Authorization header';
  if (header.indexOf(' ') !== 5 || !isBasic(header)) return 'the Authorization scheme is not Basic';
  // The text after "Basic ", trimmed of whitespace on both sides (as String.prototype.trim does).
  let start = 6;
  let end = header.length;
  while (start < end && isSpace(header.charCodeAt(start))) start++;
  while (end > start && isSpace(header.charCodeAt(end - 1))) end--;
  let data = end;
  while (data > start && header.charCodeAt(data - 1) === PAD && end - data < 2) data--;
  if (data === start || (end - start) % 4 === 1) return BAD_BASE64;
  let out = at;
  // Whole groups of four characters first, one check per group (a branch per character costs twice as much).
  const quads = start + ((data - start) & ~3);
  let i = start;
  for (; i < quads; i += 4) {
    const c0 = header.charCodeAt(i), c1 = header.charCodeAt(i + 1), c2 = header.charCodeAt(i + 2), c3 = header.charCodeAt(i + 3);
    if ((c0 | c1 | c2 | c3) > 127) return BAD_BASE64;
    const s0 = SEXTETS[c0], s1 = SEXTETS[c1], s2 = SEXTETS[c2], s3 = SEXTETS[c3];
    if ((s0 | s1 | s2 | s3) < 0) return BAD_BASE64;
    const group = (s0 << 18) | (s1 << 12) | (s2 << 6) | s3;
    into[out] = group >> 16;
    into[out + 1] = (group >> 8) & 0xff;
    into[out + 2] = group & 0xff;
    out += 3;
  }
  let bits = 0;
  let count = 0;
  for (; i < data; i++) {
    const code = header.charCodeAt(i);
    const value = code < 128 ? SEXTETS[code] : -1;
    if (value < 0) return BAD_BASE64;
    bits = (bits << 6) | value;
    if (++count === 4) {
      into[out++] = bits >> 16;
      into[out++] = (bits >> 8) & 0xff;
      into[out++] = bits & 0xff;
      bits = 0;
      count = 0;
    }
  }
  // A last group of 2 or 3 characters holds 1 or 2 bytes; Node's decoder drops a lone last character.
  if (count === 2) into[out++] = (bits >> 4) & 0xff;
  else if (count === 3) {
    into[out++] = bits >> 10;
    into[out++] = (bits >> 2) & 0xff;
  }
  return out;
}

const BAD_BASE64 = 'the credentials are not valid base64';

/** The characters String.prototype.trim removes that can occur in a latin1 header value. */
function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0 || c === 0xfeff;
}

export const NO_COLON = 'the credentials have no ":" between username and password';

/** Parses the header; returns a reason string when it is missing or malformed. */
export function parseBasicAuth(header: string): BasicCredentials | string {
  const bytes = Buffer.allocUnsafe(Math.ceil(header.length * 0.75));
  const end = decodeBasicAuthInto(header, bytes, 0);
  if (typeof end === 'string') return end;
  const joined = bytes.subarray(0, end);
  const colon = joined.indexOf(0x3a);
  if (colon < 0) return NO_COLON;
  return { username: joined.toString('latin1', 0, colon), password: joined.subarray(colon + 1), joined };
}
