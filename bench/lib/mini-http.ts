import net from 'node:net';

/** A response as the call-setup generator reads it. */
export interface MiniResponse {
  readonly status: number;
  readonly text: string;
}

interface Waiting {
  readonly resolve: (r: MiniResponse) => void;
  readonly reject: (err: Error) => void;
}

/**
 * Keep-alive HTTP/1.1 connections to one port for the call-setup generator
 * (cheaper than node:http's client per request). One request per connection
 * at a time; a request waits for a free connection, up to `max`
 * connections. It reads what the server under test sends: a status line,
 * headers and a Content-Length body (no chunked encoding).
 */
export class MiniHttpPool {
  readonly #free: MiniHttpConnection[] = [];
  readonly #all = new Set<MiniHttpConnection>();
  readonly #queue: { head: string; body: string; waiting: Waiting }[] = [];

  constructor(
    private readonly port: number,
    private readonly max: number,
  ) {}

  request(method: string, path: string, headers: Record<string, string>, body = ''): Promise<MiniResponse> {
    let head = `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${this.port}\r\n`;
    for (const name in headers) head += `${name}: ${headers[name]}\r\n`;
    if (body !== '' || method === 'POST') head += `Content-Length: ${Buffer.byteLength(body)}\r\n`;
    head += '\r\n';
    return new Promise((resolve, reject) => {
      this.#queue.push({ head, body, waiting: { resolve, reject } });
      this.#pump();
    });
  }

  close(): void {
    for (const c of this.#all) c.destroy();
    this.#all.clear();
    this.#free.length = 0;
  }

  #pump(): void {
    while (this.#queue.length > 0) {
      let conn = this.#free.pop();
      if (!conn) {
        if (this.#all.size >= this.max) return;
        conn = new MiniHttpConnection(this.port, (c) => this.#release(c), (c) => this.#all.delete(c));
        this.#all.add(conn);
      }
      const { head, body, waiting } = this.#queue.shift()!;
      conn.send(head + body, waiting);
    }
  }

  #release(conn: MiniHttpConnection): void {
    if (this.#all.has(conn)) this.#free.push(conn);
    this.#pump();
  }
}

class MiniHttpConnection {
  readonly #socket: net.Socket;
  #waiting: Waiting | null = null;
  #pending: Buffer | null = null;
  #dead = false;

  constructor(port: number, private readonly released: (c: MiniHttpConnection) => void, private readonly gone: (c: MiniHttpConnection) => void) {
    const socket = (this.#socket = net.connect(port, '127.0.0.1'));
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => {}); // 'close' follows and fails the request in flight
    socket.on('close', () => this.#die(new Error('connection closed')));
  }

  send(raw: string, waiting: Waiting): void {
    if (this.#dead) return waiting.reject(new Error('connection closed'));
    this.#waiting = waiting;
    this.#socket.write(raw);
  }

  destroy(): void {
    this.#socket.destroy();
  }

  #die(err: Error): void {
    if (this.#dead) return;
    this.#dead = true;
    this.gone(this);
    const w = this.#waiting;
    this.#waiting = null;
    w?.reject(err);
  }

  #onData(chunk: Buffer): void {
    const buf = this.#pending === null ? chunk : Buffer.concat([this.#pending, chunk]);
    this.#pending = null;
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0) {
      this.#pending = buf;
      return;
    }
    const head = buf.toString('latin1', 0, end);
    const status = Number(head.slice(9, 12));
    const lengthMatch = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    const length = lengthMatch ? Number(lengthMatch[1]) : 0;
    const bodyAt = end + 4;
    if (buf.length < bodyAt + length) {
      this.#pending = buf;
      return;
    }
    if (buf.length > bodyAt + length) return this.#die(new Error('unexpected bytes after a response'));
    const text = buf.toString('utf8', bodyAt, bodyAt + length);
    const close = /\r\nconnection:\s*close/i.test(head);
    const w = this.#waiting;
    this.#waiting = null;
    if (close) {
      this.#dead = true;
      this.gone(this);
      this.#socket.end();
    }
    w?.resolve({ status, text });
    if (!close) this.released(this);
  }
}
