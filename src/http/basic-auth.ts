/** Credentials as decoded from `Authorization: Basic …` (RFC 7617), not yet validated. */
export interface BasicCredentials {
  /** The user-id bytes read as latin1, so each char is one byte and nothing is lost. */
  readonly username: string;
  readonly password: Uint8Array;
  /** The decoded `username:password` bytes as sent (hashed whole, in one pass). */
  readonly joined: Uint8Array;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Parses the header; returns a reason string when it is missing or malformed. */
export function parseBasicAuth(header: string): BasicCredentials | string {
  if (header === '') return 'no Authorization header';
  const space = header.indexOf(' ');
  if (space < 0 || header.slice(0, space).toLowerCase() !== 'basic') return 'the Authorization scheme is not Basic';
  const encoded = header.slice(space + 1).trim();
  if (!BASE64.test(encoded) || encoded.length % 4 === 1) return 'the credentials are not valid base64';
  const bytes = Buffer.from(encoded, 'base64');
  const colon = bytes.indexOf(0x3a);
  if (colon < 0) return 'the credentials have no ":" between username and password';
  return { username: bytes.toString('latin1', 0, colon), password: bytes.subarray(colon + 1), joined: bytes };
}
