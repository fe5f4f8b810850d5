import net from 'node:net';
import { basic } from './server.ts';

/** A tiny inbox client over fetch, for tests. All traffic goes to the test server on 127.0.0.1. */
export class Peer {
  readonly auth: string;
  constructor(readonly url: string, readonly name: string, password = `pw-${name}`) {
    this.auth = basic(name, password);
  }

  /** GET /inbox; `wait` adds ?wait=N, `prefer` a Prefer header. */
  read(opts: { wait?: number | string; prefer?: string; signal?: AbortSignal; headers?: Record<string, string> } = {}): Promise<Response> {
    const q = opts.wait === undefined ? '' : `?wait=${opts.wait}`;
    const headers: Record<string, string> = { Authorization: this.auth, ...opts.headers };
    if (opts.prefer) headers.Prefer = opts.prefer;
    return fetch(`${this.url}/inbox${q}`, { headers, signal: opts.signal });
  }

  /** POST /inbox?to=… ; `to` is put in the query as given (encode it yourself when needed). */
  send(to: string, body: string | Uint8Array, contentType?: string, headers: Record<string, string> = {}): Promise<Response> {
    const h: Record<string, string> = { Authorization: this.auth, ...headers };
    if (contentType) h['Content-Type'] = contentType;
    return fetch(`${this.url}/inbox?to=${to}`, { method: 'POST', headers: h, body: body as BodyInit });
  }

  remove(): Promise<Response> {
    return fetch(`${this.url}/inbox`, { method: 'DELETE', headers: { Authorization: this.auth } });
  }
}

/** Reads a response's body and returns status + text, so no socket is left with an unread body. */
export async function done(res: Response | Promise<Response>): Promise<{ status: number; text: string; headers: Headers }> {
  const r = await res;
  return { status: r.status, text: await r.text(), headers: r.headers };
}

/**
 * Whether inbox `name` exists right now, asked without touching it: an empty
 * POST is 400 (empty body) when the recipient exists and 404 when it does not.
 */
export async function exists(url: string, name: string, asker = new Peer(url, '__prober__')): Promise<boolean> {
  const r = await done(asker.send(encodeURIComponent(name), ''));
  if (r.status !== 400 && r.status !== 404) throw new Error(`probe of ${name}: unexpected ${r.status} ${r.text}`);
  return r.status === 400;
}

/** The result of a raw HTTP exchange over one TCP connection. */
export interface RawResult {
  /** Everything the server wrote, as latin1. */
  readonly text: string;
  /** The status of the first response, 0 if none. */
  readonly status: number;
  /** true when the server closed the connection before our deadline. */
  readonly closedByServer: boolean;
}

/**
 * Writes `parts` on a fresh TCP connection (each part after the previous is
 * flushed), optionally half-closes or destroys (once `destroyWhen` resolves),
 * and collects what comes back until the server closes or `waitMs` passes.
 */
export function rawExchange(
  port: number,
  parts: readonly (string | Uint8Array)[],
  opts: {
    end?: 'half-close' | 'destroy' | 'none';
    waitMs?: number;
    destroyWhen?: () => Promise<unknown>;
    /** Stop as soon as one whole response (with a Content-Length or none) has arrived. */
    oneResponse?: boolean;
  } = {},
): Promise<RawResult> {
  const waitMs = opts.waitMs ?? 1000;
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let finished = false;
    const finish = (closedByServer: boolean) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ text, status: m ? Number(m[1]) : 0, closedByServer });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on('data', (d) => {
      chunks.push(d);
      if (opts.oneResponse && wholeResponse(Buffer.concat(chunks))) finish(false);
    });
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.on('connect', async () => {
      for (const part of parts) {
        if (finished) return;
        await new Promise<void>((res) => socket.write(part, () => res()));
      }
      if (opts.end === 'half-close') socket.end();
      if (opts.end === 'destroy') {
        if (opts.destroyWhen) await opts.destroyWhen();
        finish(false);
      }
    });
  });
}

function wholeResponse(data: Buffer): boolean {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const m = /\r\ncontent-length: *(\d+)/i.exec(data.subarray(0, end).toString('latin1'));
  return data.length - (end + 4) >= (m ? Number(m[1]) : 0);
}

/** Tracks whether a promise has settled, to assert that a long-poll is still open. */
export function track<T>(p: Promise<T>): { readonly settled: boolean; readonly promise: Promise<T> } {
  const state = { settled: false, promise: p };
  p.then(() => (state.settled = true), () => (state.settled = true));
  return state;
}

/** Lets the event loop turn for `ms` of real time (for "nothing happened" checks). */
export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A value of a metric line (`name{labels} value`) from Prometheus text, or undefined. */
export function metricValue(text: string, name: string, labels = ''): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const sp = line.lastIndexOf(' ');
    const key = line.slice(0, sp);
    if (key === name + labels) return Number(line.slice(sp + 1));
  }
  return undefined;
}

export async function metrics(url: string): Promise<string> {
  return (await fetch(`${url}/__metrics__`)).text();
}
