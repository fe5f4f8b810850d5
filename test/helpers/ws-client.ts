import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import WebSocket from 'ws';

/** A frame as it came: text (possibly not JSON) or binary. */
export type Received = { readonly binary: false; readonly text: string } | { readonly binary: true; readonly bytes: Buffer };

/** The close as this client saw it (1006 when the connection dropped without a close frame). */
export interface Closed {
  readonly code: number;
  readonly reason: string;
}

/** A frame read as JSON: text parsed (`{unparsable: text}` when it is not JSON), binary as `{binary: true}`. */
export type Frame = Record<string, unknown>;

export interface ConnectOptions {
  /** The largest frame the client accepts (the `ws` default is 100 MiB). */
  readonly maxPayload?: number;
  /** How long the upgrade may take. */
  readonly timeoutMs?: number;
}

/** The upgrade was answered with an HTTP response instead of 101. */
export class UpgradeRefused extends Error {
  constructor(readonly status: number, readonly headers: Readonly<Record<string, string | string[] | undefined>>) {
    super(`Unexpected server response: ${status}`);
  }
}

const DEFAULT_WAIT_MS = 3000;

function asFrame(r: Received): Frame {
  if (r.binary) return { binary: true };
  try {
    const value: unknown = JSON.parse(r.text);
    // Tests read fields of frames; a JSON scalar or array is kept whole under `json`.
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Frame) : { json: value };
  } catch {
    return { unparsable: r.text.slice(0, 200) };
  }
}

/**
 * The WebSocket client of the tests (on `ws`, to 127.0.0.1). It records every
 * frame the server sends, in order, and then the close; a test reads frames
 * one after another (`next`, `expect`, `waitFor`) or looks at all of them
 * (`frames`), and awaits the close (`closed`, `waitForClose`). Every wait is
 * woken by the frame or the close it waits for and fails after a timeout that
 * names what it waited for.
 */
export class WsClient {
  readonly url: string;
  /** Every frame received, in order. */
  readonly received: Received[] = [];
  /** `received` read as JSON, same order and length. */
  readonly frames: Frame[] = [];
  /** Resolves with the close once the connection has ended (never rejects). */
  readonly closed: Promise<Closed>;
  /** The close once it happened; it comes after every frame in `received`. */
  closedWith: Closed | undefined;
  /** Pings received from the server (`ws` answers each with a pong). */
  pings = 0;
  readonly #ws: WebSocket;
  #read = 0;
  readonly #waiters = new Set<() => void>();

  private constructor(ws: WebSocket, url: string) {
    this.#ws = ws;
    this.url = url;
    ws.on('error', () => {}); // the close follows and says how it ended
    ws.on('message', (data, isBinary) => {
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      const r: Received = isBinary ? { binary: true, bytes: buf } : { binary: false, text: buf.toString('utf8') };
      this.received.push(r);
      this.frames.push(asFrame(r));
      this.#wake();
    });
    ws.on('ping', () => this.pings++);
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closedWith = { code, reason: reason.toString() };
        resolve(this.closedWith);
        this.#wake();
      });
    });
  }

  /** Opens ws://127.0.0.1:<port><path>; rejects with UpgradeRefused when the server answers the upgrade with a status. */
  static connect(port: number, path: string, options: ConnectOptions = {}): Promise<WsClient> {
    const url = `ws://127.0.0.1:${port}${path}`;
    const ws = new WebSocket(url, { maxPayload: options.maxPayload });
    const client = new WsClient(ws, url);
    const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_MS;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`timed out after ${timeoutMs} ms waiting for the upgrade of ${url}`));
        ws.terminate();
      }, timeoutMs);
      ws.on('unexpected-response', (_req, res) => {
        clearTimeout(timer);
        reject(new UpgradeRefused(res.statusCode ?? 0, res.headers));
        res.resume();
        ws.terminate();
      });
      ws.once('open', () => {
        clearTimeout(timer);
        resolve(client);
      });
      ws.once('close', (code) => {
        clearTimeout(timer);
        reject(new Error(`the connection to ${url} ended (${code}) before the upgrade`));
      });
    });
  }

  /** Sends an object as a JSON text frame, or a string as it is. Resolves once written. */
  send(frame: Frame | string): Promise<void> {
    return this.sendText(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** A text frame; a Buffer goes out byte for byte, even when it is not UTF-8. */
  sendText(data: string | Buffer): Promise<void> {
    return this.#send(data, false);
  }

  sendBinary(data: Buffer | Uint8Array): Promise<void> {
    return this.#send(data, true);
  }

  /** A close handshake from this side. */
  close(code?: number, reason?: string): void {
    this.#ws.close(code, reason);
  }

  /** Drops the TCP connection without a close frame. */
  terminate(): void {
    this.#ws.terminate();
  }

  /** Stops reading from the socket: what the server sends piles up in the kernel, then in the server. */
  pauseReading(): void {
    this.#tcp().pause();
  }

  resumeReading(): void {
    this.#tcp().resume();
  }

  get isOpen(): boolean {
    return this.#ws.readyState === WebSocket.OPEN;
  }

  /** The next frame not yet read, as JSON; fails when the socket closes first or after `ms`. */
  async next(ms = DEFAULT_WAIT_MS, what = 'the next frame'): Promise<Frame> {
    const i = await this.#until(() => (this.#read < this.frames.length ? this.#read : undefined), what, ms);
    this.#read = i + 1;
    return this.frames[i];
  }

  /** The next frame not yet read, as it came (text or bytes). */
  async nextReceived(ms = DEFAULT_WAIT_MS, what = 'the next frame'): Promise<Received> {
    await this.next(ms, what);
    return this.received[this.#read - 1];
  }

  /** Reads frames until one matches `match` and returns it (the ones before it count as read). */
  async waitFor(match: (frame: Frame) => boolean, what: string, ms = DEFAULT_WAIT_MS): Promise<Frame> {
    const i = await this.#until(() => {
      for (; this.#read < this.frames.length; this.#read++) if (match(this.frames[this.#read])) return this.#read;
      return undefined;
    }, what, ms);
    this.#read = i + 1;
    return this.frames[i];
  }

  /** The close, within `ms`. */
  waitForClose(what = 'the close', ms = DEFAULT_WAIT_MS): Promise<Closed> {
    return this.#until(() => this.closedWith, what, ms, true);
  }

  /** Reads the next frame and checks it equals `frame`. */
  async expect(frame: Frame, ms?: number): Promise<void> {
    assert.deepEqual(await this.next(ms, `the frame ${JSON.stringify(frame).slice(0, 200)}`), frame);
  }

  /** The server closed the socket with `code` and sent nothing unread before. */
  async expectClosedByServer(code = 1000): Promise<void> {
    const closed = await this.waitForClose('the server to close the socket');
    assert.equal(closed.code, code);
    this.expectNothingUnread();
  }

  /** Every frame received so far has been read. */
  expectNothingUnread(): void {
    assert.deepEqual(this.frames.slice(this.#read), [], 'no further frame');
  }

  #send(data: string | Buffer | Uint8Array, binary: boolean): Promise<void> {
    const written = new Promise<void>((resolve, reject) => {
      this.#ws.send(data, { binary }, (err) => (err ? reject(err) : resolve()));
    });
    written.catch(() => {}); // a test that does not await a send learns of a failure from the close
    return written;
  }

  #tcp(): Socket {
    return (this.#ws as unknown as { _socket: Socket })._socket;
  }

  /** Waits until `take` returns a value; fails after `ms`, or at the close unless `atClose`. */
  async #until<T>(take: () => T | undefined, what: string, ms: number, atClose = false): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = take();
      if (value !== undefined) return value;
      if (!atClose && this.closedWith) {
        throw new Error(`the socket closed (${this.closedWith.code} ${this.closedWith.reason}) while waiting for ${what}${this.#context()}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${ms} ms waiting for ${what}${this.#context()}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.#waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.#waiters.add(wake);
      });
    }
  }

  #context(): string {
    return ` on ${this.url} (frames so far: ${JSON.stringify(this.frames).slice(0, 400)})`;
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w();
  }
}
