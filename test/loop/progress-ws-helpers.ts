import assert from 'node:assert/strict';
import WebSocket from 'ws';
import type { TestServer } from '../helpers/server.ts';
import { hawkFetch, register } from '../helpers/loop.ts';

export type Frame = Record<string, unknown>;
import type { Capture } from '../helpers/loop.ts';
export type { Capture };

/** A `ws` client of the call-progress socket that records every frame and the close. */
export class ProgressClient {
  readonly ws: WebSocket;
  readonly frames: Frame[] = [];
  /** Resolves with the close code and reason this client saw. */
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly #opened: Promise<void>;
  #read = 0;
  #wake: (() => void) | undefined;

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.#opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.closed = new Promise((resolve) => {
      this.ws.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.#wake?.();
      });
    });
    this.ws.on('error', () => {}); // reported through `closed` or `open`
    this.ws.on('message', (data, isBinary) => {
      this.frames.push(isBinary ? { binary: true } : (JSON.parse(data.toString()) as Frame));
      this.#wake?.();
    });
  }

  /** Opens a socket on the server's progress endpoint (`path`, default /websocket). */
  static async open(server: TestServer, path = '/websocket'): Promise<ProgressClient> {
    const client = new ProgressClient(`ws://127.0.0.1:${server.port}${path}`);
    await client.#opened;
    return client;
  }

  /** Opens a socket and sends `hello`; resolves with the socket (its reply is read by the test). */
  static async hello(server: TestServer, callId: string, auth: string, path?: string): Promise<ProgressClient> {
    const client = await ProgressClient.open(server, path);
    client.send({ messageType: 'hello', callId, auth });
    return client;
  }

  send(frame: Frame | string | Buffer, binary = false): void {
    this.ws.send(typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame), { binary });
  }

  action(event: string, reason?: string): void {
    this.send({ messageType: 'action', event, ...(reason !== undefined && { reason }) });
  }

  /** The next frame not yet read; fails when the socket closes first or after `ms`. */
  async next(ms = 3000): Promise<Frame> {
    const deadline = Date.now() + ms;
    while (this.#read >= this.frames.length) {
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error(`socket closed while waiting for a frame (read: ${JSON.stringify(this.frames)})`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no frame within ${ms} ms (read: ${JSON.stringify(this.frames)})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
    return this.frames[this.#read++];
  }

  /** Reads the next frame and checks it. */
  async expect(frame: Frame, ms?: number): Promise<void> {
    assert.deepEqual(await this.next(ms), frame);
  }

  /** The next frame is `{messageType:"error",reason}` and then the server closes the socket. */
  async expectError(reason: string): Promise<void> {
    await this.expect({ messageType: 'error', reason });
    await this.expectClosedByServer();
  }

  /** The server closed the socket (normal closure) and sent nothing unread before. */
  async expectClosedByServer(code = 1000): Promise<void> {
    const closed = await within(this.closed, 3000, 'the server closes the socket');
    assert.equal(closed.code, code);
    this.expectNothingUnread();
  }

  /** Every frame received so far has been read. */
  expectNothingUnread(): void {
    assert.deepEqual(this.frames.slice(this.#read), [], 'no further frame');
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  close(): void {
    this.ws.close();
  }
}

export const progress = (state: string, reason?: string): Frame => ({
  messageType: 'progress', state, ...(reason !== undefined && { reason }),
});
export const helloReply = (state: string, reason?: string): Frame => ({
  messageType: 'hello', state, ...(reason !== undefined && { reason }),
});

/** Rejects if `p` does not settle within `ms`. */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(t);
  }
}

/** Lets frames in flight arrive (loopback): used before checking that nothing more came. */
export const pause = (ms = 100): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface TestCall {
  readonly callId: string;
  /** websocketToken of the caller's POST /calls answer. */
  readonly callerToken: string;
  /** websocketToken of the callee's GET /calls item. */
  readonly calleeToken: string;
  readonly caller: Awaited<ReturnType<typeof register>>;
  readonly callee: Awaited<ReturnType<typeof register>>;
  /** The caller's POST /calls answer. */
  readonly callerView: Frame;
  /** The callee's GET /calls?version=0 item. */
  readonly calleeView: Frame;
}

let seq = 0;

/**
 * The §17 way to get a call: registered users A and B (B with a `calls` push
 * URL on the capture server); A posts /v1/calls; B reads /v1/calls?version=0.
 */
export async function placeCall(server: TestServer, capture: Capture): Promise<TestCall> {
  const n = ++seq;
  const email = `callee${n}-${process.pid}@example.com`;
  const callee = await register(server, { identity: email, push: { calls: `${capture.url}/push/${n}` } });
  const caller = await register(server, { identity: `caller${n}@example.com` });
  const made = await hawkFetch(server, caller.creds, 'POST', '/v1/calls', { body: { calleeId: email, callType: 'audio-video' } });
  assert.equal(made.status, 200, made.text);
  const listed = await hawkFetch(server, callee.creds, 'GET', '/v1/calls?version=0');
  assert.equal(listed.status, 200, listed.text);
  const view = (listed.json.calls as Frame[]).find((c) => c.callId === made.json.callId);
  assert.ok(view, 'the callee lists the call');
  assert.notEqual(view.websocketToken, made.json.websocketToken);
  return {
    callId: made.json.callId,
    callerToken: made.json.websocketToken,
    calleeToken: view.websocketToken as string,
    caller,
    callee,
    callerView: made.json,
    calleeView: view,
  };
}

/** Caller and callee sockets through `hello` to `alerting`, every frame checked. */
export async function alerting(server: TestServer, call: TestCall): Promise<{ caller: ProgressClient; callee: ProgressClient }> {
  const caller = await ProgressClient.hello(server, call.callId, call.callerToken);
  await caller.expect(helloReply('init'));
  const callee = await ProgressClient.hello(server, call.callId, call.calleeToken);
  await callee.expect(helloReply('init'));
  await callee.expect(progress('alerting'));
  await caller.expect(progress('alerting'));
  return { caller, callee };
}

/** Whether the callee still lists the call in GET /calls?version=0. */
export async function listed(server: TestServer, call: TestCall): Promise<boolean> {
  const r = await hawkFetch(server, call.callee.creds, 'GET', '/v1/calls?version=0');
  assert.equal(r.status, 200, r.text);
  return (r.json.calls as Frame[]).some((c) => c.callId === call.callId);
}
