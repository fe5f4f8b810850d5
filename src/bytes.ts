/**
 * Node's own Buffer methods, called without the argument checks and the
 * encoding lookup of toString() and write(): on the request path those cost
 * about a third of a small call. Callers keep their offsets in range.
 */
const methods = Buffer.prototype as unknown as {
  latin1Slice(this: Uint8Array, start: number, end: number): string;
  latin1Write(this: Uint8Array, text: string, offset: number): number;
  utf8Write(this: Uint8Array, text: string, offset: number): number;
};

/** bytes[start, end) as a latin1 string: one char per byte, nothing lost. */
export function latin1Slice(bytes: Uint8Array, start: number, end: number): string {
  return methods.latin1Slice.call(bytes, start, end);
}

/** Writes `text` (chars below 256) one byte per char at `offset`; returns the bytes written. */
export function latin1Write(into: Uint8Array, text: string, offset: number): number {
  return methods.latin1Write.call(into, text, offset);
}

/** Writes `text` as UTF-8 at `offset`; returns the bytes written. */
export function utf8Write(into: Uint8Array, text: string, offset: number): number {
  return methods.utf8Write.call(into, text, offset);
}
