import { connect } from 'node:net';

/** What came back for one raw request. `status` 0: the connection closed with no status line. */
export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** The connection ended or was reset before a whole response arrived. */
  readonly cut: boolean;
  readonly ms: number;
}

export class HangError extends Error {}

export interface RawRequest {
  readonly port: number;
  /** Everything written to the socket: request line, headers, body, as bytes. */
  readonly bytes: Buffer;
  /** Half-close after writing (the body ends before its announced length). */
  readonly endAfterWrite?: boolean;
  readonly timeoutMs: number;
  /** HEAD: a response has no body whatever its headers say. */
  readonly head?: boolean;
}

/**
 * Sends bytes over a fresh TCP connection to 127.0.0.1 and reads the first
 * HTTP response: fetch refuses malformed requests, sockets do not. Rejects
 * with HangError when nothing settles within the timeout.
 */
export function rawRequest(o: RawRequest): Promise<RawResponse> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: o.port });
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (cut: boolean) => {
      if (settled) return;
      const parsed = parseResponse(Buffer.concat(chunks), o.head ?? false);
      if (!parsed.complete && !cut) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ status: parsed.status, headers: parsed.headers, body: parsed.body, cut: !parsed.complete, ms: performance.now() - started });
    };
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      socket.destroy();
      const partial = parseResponse(Buffer.concat(chunks), o.head ?? false);
      reject(new HangError(`no complete response within ${o.timeoutMs} ms (status so far: ${partial.status || 'none'})`));
    }, o.timeoutMs);
    socket.on('data', (c) => {
      chunks.push(c);
      finish(false);
    });
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.write(o.bytes, () => {
      if (o.endAfterWrite) socket.end();
    });
  });
}

interface Parsed {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  complete: boolean;
}

const CRLF2 = Buffer.from('\r\n\r\n');

/** The first response in `buf`: status, headers (lower-case names), body by Content-Length or chunks. */
export function parseResponse(buf: Buffer, head: boolean): Parsed {
  // Interim 1xx answers (100 Continue) come before the real one: skip them.
  while (/^HTTP\/1\.[01] 1\d\d/.test(buf.subarray(0, 12).toString('latin1'))) {
    const at = buf.indexOf(CRLF2);
    if (at < 0) return { status: 0, headers: {}, body: Buffer.alloc(0), complete: false };
    buf = buf.subarray(at + 4);
  }
  const end = buf.indexOf(CRLF2);
  const line = /^HTTP\/1\.[01] (\d{3})/.exec(buf.subarray(0, Math.min(buf.length, 32)).toString('latin1'));
  const status = line ? Number(line[1]) : 0;
  if (end < 0) return { status, headers: {}, body: Buffer.alloc(0), complete: false };
  const headers: Record<string, string> = {};
  for (const h of buf.subarray(0, end).toString('latin1').split('\r\n').slice(1)) {
    const colon = h.indexOf(':');
    if (colon > 0) headers[h.slice(0, colon).trim().toLowerCase()] = h.slice(colon + 1).trim();
  }
  const rest = buf.subarray(end + 4);
  if (head || status === 204 || status === 304) {
    return { status, headers, body: Buffer.alloc(0), complete: true };
  }
  if (headers['content-length'] !== undefined) {
    const n = Number(headers['content-length']);
    return { status, headers, body: rest.subarray(0, n), complete: rest.length >= n };
  }
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const out: Buffer[] = [];
    let at = 0;
    for (;;) {
      const eol = rest.indexOf('\r\n', at);
      if (eol < 0) return { status, headers, body: Buffer.concat(out), complete: false };
      const size = parseInt(rest.subarray(at, eol).toString('latin1'), 16);
      if (size === 0) return { status, headers, body: Buffer.concat(out), complete: true };
      if (rest.length < eol + 2 + size + 2) return { status, headers, body: Buffer.concat(out), complete: false };
      out.push(rest.subarray(eol + 2, eol + 2 + size));
      at = eol + 2 + size + 2;
    }
  }
  // Neither: the body runs to the end of the connection.
  return { status, headers, body: rest, complete: false };
}

/** A request as bytes: `head` is the request line and headers (no trailing blank line). */
export function requestBytes(lines: readonly (string | Buffer)[], body?: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (const l of lines) {
    parts.push(typeof l === 'string' ? Buffer.from(l, 'latin1') : l, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('\r\n'));
  if (body) parts.push(body);
  return Buffer.concat(parts);
}
