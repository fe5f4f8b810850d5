import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Hawk from 'hawk';
import type { AppDeps } from '../../src/app.ts';
import { deriveCredentials } from '../../src/loop/credentials.ts';
import { startServer, type TestServer } from './server.ts';

/** The §17 test configuration: fake provider, fake BrowserID, one allowed origin. */
export const CONFORMANCE = {
  tokBox: { provider: 'fake' },
  identity: { browserid: 'fake' },
  allowedOrigins: ['http://allowed.test'],
};

/**
 * The outbound allow list of test servers: the capture servers the tests make
 * the server call (push, verifiers, provider) listen on 127.0.0.1, which the
 * server refuses by default. Pass `OUTBOUND_ALLOW: ''` in `env` for the default.
 */
export const TEST_OUTBOUND_ALLOW = '127.0.0.1';

/** The env of a test server whose JSON config file (written now) holds the §17 settings merged with `loop`. */
export function loopEnv(loop: Record<string, unknown> = {}): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'signalbox-loop-'));
  const path = join(dir, 'config.json');
  writeFileSync(path, JSON.stringify({ ...CONFORMANCE, ...loop }));
  return { SIGNALBOX_CONFIG: path, OUTBOUND_ALLOW: TEST_OUTBOUND_ALLOW };
}

/** Starts a real server whose JSON config file holds the §17 settings merged with `loop`. */
export async function startLoopServer(loop: Record<string, unknown> = {}, deps: AppDeps = {}, env: Record<string, string> = {}): Promise<TestServer> {
  return startServer({ ...loopEnv(loop), ...env }, deps);
}

export interface Creds {
  readonly id: string;
  readonly key: string;
  readonly algorithm: 'sha256';
}

/** §3.2 credentials of a session token, as a Loop client derives them. */
export function credentialsOf(token: string): Creds {
  const { id, key } = deriveCredentials(token);
  return { id, key, algorithm: 'sha256' };
}

export interface HawkOptions {
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** Shift of the client's clock, ms (stale timestamps). */
  readonly offsetMs?: number;
  readonly nonce?: string;
  /** Sign with this Authorization instead (replays). */
  readonly authorization?: string;
}

export interface HawkResponse {
  readonly res: Response;
  readonly status: number;
  readonly text: string;
  /** The parsed JSON body, or undefined. */
  readonly json: any;
  readonly authorization: string;
  /** The Hawk artifacts the client used, to check Server-Authorization. */
  readonly artifacts: Hawk.crypto.Artifacts;
}

/** A Hawk-signed request (JSON body when given). */
export async function hawkFetch(server: TestServer, creds: Creds, method: string, path: string, o: HawkOptions = {}): Promise<HawkResponse> {
  const url = `${server.url}${path}`;
  const header = Hawk.client.header(url, method, {
    credentials: creds,
    ...(o.offsetMs !== undefined ? { localtimeOffsetMsec: o.offsetMs } : {}),
    ...(o.nonce !== undefined ? { nonce: o.nonce } : {}),
  });
  const authorization = o.authorization ?? header.header;
  const hasBody = o.body !== undefined;
  const res = await fetch(url, {
    method,
    headers: {
      Authorization: authorization,
      ...(hasBody ? { 'Content-Type': 'application/json' } : {}),
      ...o.headers,
    },
    ...(hasBody ? { body: typeof o.body === 'string' ? o.body : JSON.stringify(o.body) } : {}),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { res, status: res.status, text, json, authorization, artifacts: header.artifacts };
}

/** Checks a response's Server-Authorization as a Hawk client would. */
export function assertServerAuthorization(r: HawkResponse, creds: Creds): void {
  const value = r.res.headers.get('server-authorization');
  assert.ok(value, 'Server-Authorization is present');
  const fakeRes = { headers: { 'server-authorization': value, 'content-type': r.res.headers.get('content-type') ?? '' } };
  assert.doesNotThrow(() => Hawk.client.authenticate(fakeRes as never, creds, r.artifacts, { required: true }));
}

/** Plain JSON request without Hawk. */
export async function send(server: TestServer, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    redirect: 'manual',
    headers: { ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: any;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { res, status: res.status, text, json };
}

export interface Registered {
  readonly token: string;
  readonly creds: Creds;
}

/**
 * "Register and derive credentials": POST /v1/registration, anonymous or as
 * `identity` through the fake BrowserID verifier, with optional push URLs.
 */
export async function register(server: TestServer, o: { identity?: string; push?: Record<string, string> } = {}): Promise<Registered> {
  const headers: Record<string, string> = o.identity ? { Authorization: `BrowserID fake:${o.identity}` } : {};
  const r = await send(server, 'POST', '/v1/registration', o.push ? { simplePushURLs: o.push } : {}, headers);
  assert.equal(r.status, 200, r.text);
  const token = r.res.headers.get('hawk-session-token');
  assert.ok(token && /^[0-9a-f]{64}$/.test(token), 'a session token was minted');
  return { token, creds: credentialsOf(token) };
}

export interface Captured {
  readonly method: string;
  readonly path: string;
  readonly contentType: string;
  readonly body: string;
  readonly at: number;
}

/** A local HTTP server that records what push notifications reach it. */
export async function pushCapture(): Promise<{ url: string; requests: Captured[]; waitFor(n: number, ms?: number): Promise<Captured[]>; close(): Promise<void> }> {
  const requests: Captured[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', path: req.url ?? '', contentType: req.headers['content-type'] ?? '', body, at: Date.now() });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async waitFor(n: number, ms = 2000) {
      const end = Date.now() + ms;
      while (requests.length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      return requests;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
