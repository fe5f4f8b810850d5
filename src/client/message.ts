const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
const encoder = new TextEncoder();

/** One message taken from the inbox: the bytes exactly as the sender posted them. */
export class InboxMessage {
  constructor(
    /** The sender's username (its inbox, for replies). */
    readonly from: string,
    /** The sender's Content-Type (`application/octet-stream` when it gave none). */
    readonly contentType: string,
    readonly data: Uint8Array,
  ) {}

  /** The body as UTF-8 text (invalid bytes become U+FFFD). */
  text(): string {
    return utf8.decode(this.data);
  }

  /** The body parsed as JSON; throws SyntaxError when it is not JSON. */
  json<T = unknown>(): T {
    return JSON.parse(this.text()) as T;
  }
}

/** Bytes of a string or a byte array (strings are sent as UTF-8). */
export function toBytes(data: string | Uint8Array): Uint8Array {
  return typeof data === 'string' ? encoder.encode(data) : data;
}

/** base64 of bytes, with web APIs only (btoa works on "binary strings"). */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  const CHUNK = 0x8000; // String.fromCharCode's argument count has limits
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}

export function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** The `Authorization` header for HTTP Basic (RFC 7617, UTF-8). */
export function basicAuth(username: string, password: string): string {
  return 'Basic ' + bytesToBase64(encoder.encode(`${username}:${password}`));
}
