import WebSocket from 'ws';
import { basic, type TestServer } from '../helpers/server.ts';

export type Frame = Record<string, unknown>;

/** A `ws` client that records frames and the close, for black-box tests of /inbox/ws. */
export class TestSocket {
  readonly ws: WebSocket;
  readonly frames: Frame[] = [];
  readonly opened: Promise<void>;
  /** Resolves with the close code and reason the client saw. */
  readonly closed: Promise<{ code: number; reason: string }>;
  #waiters: (() => void)[] = [];
  #read = 0;

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.closed = new Promise((resolve) => {
      this.ws.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.#wake();
      });
    });
    this.ws.on('error', () => {}); // reported through `closed`
    this.ws.on('message', (data, isBinary) => {
      this.frames.push(isBinary ? { binary: true } : (JSON.parse(data.toString()) as Frame));
      this.#wake();
    });
  }

  static async open(server: TestServer): Promise<TestSocket> {
    const socket = new TestSocket(`ws://127.0.0.1:${server.port}/inbox/ws`);
    await socket.opened;
    return socket;
  }

  /** Opens a socket and authenticates; resolves after `ready`. */
  static async ready(server: TestServer, username: string, password = 'pw'): Promise<TestSocket> {
    const socket = await TestSocket.open(server);
    socket.send({ type: 'auth', username, password });
    const first = await socket.next();
    if (first.type !== 'ready') throw new Error(`expected ready, got ${JSON.stringify(first)}`);
    return socket;
  }

  send(frame: Frame | string): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The next frame not yet read; rejects when the socket closes first or after `ms`. */
  async next(ms = 3000): Promise<Frame> {
    const deadline = Date.now() + ms;
    while (this.#read >= this.frames.length) {
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error('socket closed while waiting for a frame');
      if (Date.now() > deadline) throw new Error(`no frame within ${ms} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.frames[this.#read++];
  }

  /** The error frame, then the close: both checked by the caller. */
  async errorAndClose(): Promise<{ frame: Frame; code: number; reason: string }> {
    const frame = await this.next();
    const { code, reason } = await this.closed;
    return { frame, code, reason };
  }

  close(): void {
    this.ws.close();
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }
}

/** POST /inbox?to= as `from`; returns the status. */
export async function post(server: TestServer, from: string, to: string, body: string | Uint8Array, type?: string): Promise<number> {
  const headers: Record<string, string> = { Authorization: basic(from, 'pw') };
  if (type) headers['Content-Type'] = type;
  const res = await fetch(`${server.url}/inbox?to=${encodeURIComponent(to)}`, { method: 'POST', headers, body: body as unknown as BodyInit });
  await res.arrayBuffer();
  return res.status;
}

/** A gauge from /__metrics__. */
export async function gauge(server: TestServer, name: string): Promise<number> {
  const text = await (await fetch(`${server.url}/__metrics__`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`no metric ${name}`);
  return Number(line.split(' ')[1]);
}
