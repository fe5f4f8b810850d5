/** Credentials as decoded from `Authorization: Basic …` (RFC 7617), not yet validated. */
export interface BasicCredentials {
  /** The user-id bytes read as latin1, so each char is one byte and nothing is lost. */
  readonly username: string;
  readonly password: Uint8Array;
  /** The decoded `username:password` bytes as sent (hashed whole, in one pass). */
  readonly joined: Uint8Array;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Whether the header starts with "basic" in any case (c | 0x20 lower-cases a letter; only 'B' and 'b' give 'b'). */
function isBasic(h: string): boolean {
  return (
    (h.charCodeAt(0) | 0x20) === 0x62 && (h.charCodeAt(1) | 0x20) === 0x61 && (h.charCodeAt(2) | 0x20) === 0x73 &&
    (h.charCodeAt(3) | 0x20) === 0x69 && (h.charCodeAt(4) | 0x20) === 0x63
  );
}

/** What `Basic <base64>` holds, before decoding: the base64 text, or the reason it is refused. */
function encodedPart(header: string): { readonly encoded: string } | string {
  if (header === '') return 'no Authorization header';
  if (header.indexOf(' ') !== 5 || !isBasic(header)) return 'the Authorization scheme is not Basic';
  const encoded = header.slice(6).trim();
  if (!BASE64.test(encoded) || encoded.length % 4 === 1) return 'the credentials are not valid base64';
  return { encoded };
}

/** Whether the credentials of a header this long fit in `room` bytes once decoded (a bound: base64 takes 4 chars per 3 bytes). */
export const fitsDecoded = (header: string, room: number): boolean => header.length * 0.75 <= room;

/**
 * Decodes the header's `username:password` into `into` from offset `at`
 * (check fitsDecoded first) and returns the offset of its end, or the reason
 * it is refused (the ':' is the caller's to find). No allocation but the
 * base64 text: the request path decodes into a scratch buffer that already
 * holds the hashing key.
 */
export function decodeBasicAuthInto(header: string, into: Buffer, at: number): number | string {
  const part = encodedPart(header);
  if (typeof part === 'string') return part;
  return at + into.write(part.encoded, at, 'base64');
}

export const NO_COLON = 'the credentials have no ":" between username and password';

/** Parses the header; returns a reason string when it is missing or malformed. */
export function parseBasicAuth(header: string): BasicCredentials | string {
  const part = encodedPart(header);
  if (typeof part === 'string') return part;
  const bytes = Buffer.from(part.encoded, 'base64');
  const colon = bytes.indexOf(0x3a);
  if (colon < 0) return NO_COLON;
  return { username: bytes.toString('latin1', 0, colon), password: bytes.subarray(colon + 1), joined: bytes };
}
