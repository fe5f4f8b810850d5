import { request } from 'node:http';
import { connect } from 'node:net';
import { after } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.ts';

/** Two client addresses on loopback (the whole of 127/8 is local on Linux). */
export const A = '127.0.0.1';
export const B = '127.0.0.2';

export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  readonly json: any;
}

export interface Options {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** The local address the request leaves from. Default A. */
  readonly from?: string;
}

/** One HTTP request from a chosen loopback address, on a connection of its own (no keep-alive). */
export function fromAddress(server: TestServer, path: string, o: Options = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: server.port, path, method: o.method ?? 'GET', headers: o.headers, localAddress: o.from ?? A, agent: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          let json: unknown;
          try {
            json = text === '' ? undefined : JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.setTimeout(5000, () => req.destroy(new Error(`no answer to ${path} within 5 s`)));
    req.on('error', reject);
    req.end(o.body);
  });
}

export function basicAuth(name: string, password = 'pw'): Record<string, string> {
  return { Authorization: 'Basic ' + Buffer.from(`${name}:${password}`).toString('base64') };
}

/** The Retry-After header as seconds (asserting there is exactly one). */
export function retryAfter(a: Answer): number {
  const v = a.headers['retry-after'];
  if (typeof v !== 'string' || !/^\d+$/.test(v)) throw new Error(`expected one numeric Retry-After, got ${JSON.stringify(v)}`);
  return Number(v);
}

/**
 * Writes `text` on a raw connection from `from` and resolves with what came
 * back once the server closes it; rejects when it is still open after `ms`.
 */
export function rawUntilClosed(server: TestServer, text: string, from = A, ms = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: server.port, localAddress: from }, () => socket.write(text));
    let got = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connection still open after ${ms} ms; got ${JSON.stringify(got)}`));
    }, ms);
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (got += d));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
  });
}

/**
 * A factory of test servers with the per-client limits on (startServer turns them off), all closed
 * after the file: `const server = limitedServers(); const s = await server({ RATE_LIMIT_… })`.
 */
export function limitedServers(): (env: Record<string, string>) => Promise<TestServer> {
  const servers: TestServer[] = [];
  after(() => Promise.all(servers.map((s) => s.close())));
  return async (env) => {
    const s = await startServer({ RATE_LIMITS: 'on', ...env });
    servers.push(s);
    return s;
  };
}
