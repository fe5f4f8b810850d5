import type { StoredMessage } from '../inbox.ts';

/**
 * A queued message as one Redis string: "<body bytes> <sender bytes>
 * <content-type bytes> " in decimal, then the three, back to back. The
 * scripts read the leading size only (the byte budget); the rest is ours.
 */
export function encodeMessage(message: StoredMessage): Buffer {
  const from = Buffer.from(message.from);
  const type = Buffer.from(message.contentType);
  const head = Buffer.from(`${message.body.byteLength} ${from.length} ${type.length} `, 'latin1');
  return Buffer.concat([head, from, type, message.body]);
}

/** The message encodeMessage made, with its hold when taken under one; a copy of nothing: the parts are views of `raw`. */
export function decodeMessage(raw: Buffer, held?: string): StoredMessage {
  const sizes: number[] = [];
  let at = 0;
  while (sizes.length < 3) {
    const space = raw.indexOf(0x20, at);
    if (space < 0) throw new Error('malformed queued message');
    sizes.push(Number(raw.toString('latin1', at, space)));
    at = space + 1;
  }
  const [bodySize, fromSize, typeSize] = sizes;
  const from = raw.toString('utf8', at, at + fromSize);
  const contentType = raw.toString('utf8', at + fromSize, at + fromSize + typeSize);
  const start = at + fromSize + typeSize;
  if (raw.length - start !== bodySize) throw new Error('malformed queued message');
  const body = raw.subarray(start);
  return held === undefined ? { from, contentType, body } : { from, contentType, body, held };
}
