import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Hawk from 'hawk';
import { credentialsOf, pushCapture, type Creds } from '../helpers/loop.ts';
import {
  REQUEST_TIMEOUT_MS, casesFor, count, failureText, preview, runFuzz, startFuzzServer, statusProblem, summary,
  type FuzzCase, type FuzzServer,
} from './harness.ts';
import { HangError, rawRequest, requestBytes, type RawResponse } from './raw-http.ts';
import { CHAR_KINDS, nestedText, randomJson, type Rng } from './rng.ts';

/**
 * Fuzz of the Loop REST API (loop-v1.md §2–§8) with VALID Hawk signatures, so
 * the mutated bodies and paths reach the handlers: registration with mutated
 * push URLs (127.0.0.1 only), call URLs, calls, rooms and room actions.
 */

type Capture = Awaited<ReturnType<typeof pushCapture>>;

/** Statuses per endpoint (loop-v1.md §3.7, §5–§8, §13); 503 only where a provider session is made. */
const ROUTES: Record<string, ReadonlySet<number>> = {
  'POST /registration': new Set([200, 400, 401, 406, 413]),
  'DELETE /registration': new Set([204, 400, 401]),
  'DELETE /session': new Set([204, 400, 401, 403]),
  'DELETE /account': new Set([204, 400, 401]),
  'GET /call-url': new Set([200, 400, 401]),
  'POST /call-url': new Set([200, 400, 401, 406, 413]),
  'PUT /call-url/{token}': new Set([200, 400, 401, 404, 413]),
  'DELETE /call-url/{token}': new Set([204, 400, 401, 403, 404]),
  'GET /calls/{token}': new Set([200, 404]),
  'POST /calls/{token}': new Set([200, 400, 404, 406, 413, 503]),
  'GET /calls': new Set([200, 400, 401]),
  'POST /calls': new Set([200, 400, 401, 403, 406, 413, 503]),
  'GET /rooms': new Set([200, 400, 401]),
  'POST /rooms': new Set([201, 400, 401, 406, 413, 503]),
  'PATCH /rooms': new Set([207, 400, 401, 404, 406, 413]),
  'GET /rooms/{token}': new Set([200, 400, 401, 403, 404]),
  'PATCH /rooms/{token}': new Set([200, 400, 401, 403, 404, 413]),
  'DELETE /rooms/{token}': new Set([204, 400, 401, 403, 404]),
  'POST /rooms/{token}': new Set([200, 204, 400, 401, 404, 406, 410, 413, 503]),
};

let fuzz: FuzzServer;
let capture: Capture;
let port: number;
const sessions: { creds: Creds; identity?: string }[] = [];
const roomTokens: string[] = [];
const callTokens: string[] = [];
const outcomes: Record<string, number> = {};

interface Req {
  method: string;
  path: string;
  creds?: Creds | null;
  body?: Buffer;
  contentType?: string;
  headers?: string[];
  /** Sign with a broken MAC or a stale timestamp. */
  badHawk?: 'mac' | 'stale';
}

function bytesOf(q: Req): Buffer {
  const lines: string[] = [`${q.method} ${q.path} HTTP/1.1`, `Host: 127.0.0.1:${port}`];
  if (q.creds) {
    const h = Hawk.client.header(`http://127.0.0.1:${port}${q.path}`, q.method, {
      credentials: q.creds,
      ...(q.badHawk === 'stale' ? { localtimeOffsetMsec: -3_600_000 } : {}),
    });
    lines.push(`Authorization: ${q.badHawk === 'mac' ? h.header.replace(/mac="[^"]*"/, 'mac="AAAA"') : h.header}`);
  }
  if (q.contentType !== undefined) lines.push(`Content-Type: ${q.contentType}`);
  lines.push(...(q.headers ?? []));
  if (q.body) lines.push(`Content-Length: ${q.body.length}`);
  return requestBytes(lines, q.body);
}

async function call(q: Req): Promise<RawResponse> {
  return rawRequest({ port, bytes: bytesOf(q), timeoutMs: REQUEST_TIMEOUT_MS, head: q.method === 'HEAD' });
}

const json = (v: unknown) => Buffer.from(JSON.stringify(v));
const parse = (res: RawResponse): any => {
  try {
    return JSON.parse(res.body.toString());
  } catch {
    return undefined;
  }
};

async function registerSession(identity?: string): Promise<Creds> {
  const res = await call({
    method: 'POST', path: '/v1/registration', contentType: 'application/json', body: json({ simplePushURLs: { calls: `${capture.url}/c`, rooms: `${capture.url}/r` } }),
    headers: identity ? [`Authorization: BrowserID fake:${identity}`] : [],
  });
  assert.equal(res.status, 200, res.body.toString());
  return credentialsOf(res.headers['hawk-session-token']);
}

before(async () => {
  fuzz = await startFuzzServer({ loop: {} });
  port = fuzz.server.port;
  capture = await pushCapture();
  for (let i = 0; i < 4; i++) sessions.push({ creds: await registerSession() });
  for (const identity of ['ann@example.com', 'ben@example.com']) sessions.push({ creds: await registerSession(identity), identity });
  for (const s of sessions.slice(0, 3)) {
    const room = await call({ method: 'POST', path: '/v1/rooms', creds: s.creds, contentType: 'application/json', body: json(ROOM) });
    assert.equal(room.status, 201, room.body.toString());
    roomTokens.push(parse(room).roomToken);
    const url = await call({ method: 'POST', path: '/v1/call-url', creds: s.creds, contentType: 'application/json', body: json({ callerId: 'x@example.com' }) });
    assert.equal(url.status, 200, url.body.toString());
    callTokens.push(parse(url).callToken);
  }
});
after(async () => {
  await fuzz?.close();
  await capture?.close();
});

const ROOM = { context: { value: 'v', alg: 'AES-GCM', wrappedKey: 'k' }, roomOwner: 'Owner', maxSize: 3 };

function pushUrl(r: Rng): unknown {
  return r.weighted<() => unknown>([
    [6, () => `${capture.url}/${r.string(r.int(0, 20), 'name').replace(/[#?%]/g, '_')}`],
    [1, () => r.pick(['http://127.0.0.1:1/', 'https://127.0.0.1:1/x', 'http://127.0.0.1', 'http', 'httpx://127.0.0.1', 'ftp://127.0.0.1/', 'http://127.0.0.1:99999/', 'http://[::1', `${capture.url}/${'a'.repeat(5000)}`])],
    [1, () => randomJson(r, 2)],
  ])();
}

/** A body that is valid for the endpoint, before mutation. */
function validBody(r: Rng, route: string): Record<string, unknown> {
  switch (route) {
    case 'POST /registration':
      return r.chance(0.5) ? { simplePushURLs: { calls: pushUrl(r), rooms: pushUrl(r) } } : { [r.pick(['simplePushURL', 'simple_push_url'])]: pushUrl(r) };
    case 'POST /call-url':
    case 'PUT /call-url/{token}':
      return { callerId: 'c@example.com', expiresIn: r.pick([1, 5, 720, '5', 721, 0, -1, 'abc']), issuer: 'me', subject: 'hi' };
    case 'POST /calls/{token}':
      return { callType: r.pick(['audio', 'audio-video', 'video']), subject: 's', channel: r.pick(['default', 'x', '']) };
    case 'POST /calls':
      return { calleeId: r.pick<unknown>(['ann@example.com', ['ben@example.com', 'ann@example.com'], { phoneNumber: '+33612345678', mcc: 208 }, [{ phoneNumber: ' 0612 ' }], 'nobody@example.com']), callType: 'audio-video', subject: 'x'.repeat(r.pick([0, 124, 125])) };
    case 'POST /rooms':
    case 'PATCH /rooms/{token}':
      return { ...ROOM, expiresIn: r.pick([1, 1344, 1345, '2', 0]), maxSize: r.pick([1, 2, 5, 6, '3', 0, -1]), ...(r.chance(0.2) ? { roomName: 'n'.repeat(r.pick([1, 100, 101])) } : {}) };
    case 'PATCH /rooms':
      return { deleteRoomTokens: r.chance(0.5) ? [r.pick(roomTokens)] : [] };
    case 'POST /rooms/{token}': {
      const action = r.pick(['join', 'refresh', 'leave', 'status', 'logDomain']);
      return {
        action, displayName: 'Me', clientMaxSize: r.pick([2, 5, '3', 'x']),
        event: 'Session.connectionCreated', state: 'init', connections: r.pick([0, 1, -1, 'x']), sendStreams: 1, recvStreams: 1,
        domains: r.chance(0.8) ? [{ domain: 'example.com', count: 1 }] : randomJson(r, 2),
      };
    }
    default:
      return {};
  }
}

function mutate(r: Rng, obj: Record<string, unknown>): Record<string, unknown> {
  const out = { ...obj };
  const keys = Object.keys(out);
  for (let i = r.int(0, 3); i > 0; i--) {
    const key = keys.length > 0 && r.chance(0.85) ? r.pick(keys) : r.string(r.int(0, 8), 'name');
    r.weighted<() => void>([
      [3, () => (out[key] = randomJson(r, 3))],
      [2, () => delete out[key]],
      [1, () => (out[key] = r.string(r.size(), r.pick(CHAR_KINDS)))],
      [1, () => (out[key] = JSON.parse(nestedText(r.int(1, 64))))],
    ])();
  }
  return out;
}

function tokenFor(r: Rng, route: string): string {
  const pool = route.includes('/rooms/') ? roomTokens : callTokens;
  return r.weighted<() => string>([
    [8, () => r.pick(pool)],
    [1, () => r.pick(route.includes('/rooms/') ? callTokens : roomTokens)],
    [1, () => r.pick(['x', 'AAAAAAAAAAA', '%00', '%', '%zz', '..', '%2F', 'a%20b', 'x'.repeat(5000), '%C3%A9', '%ED%A0%80'])],
    [1, () => r.string(r.int(1, 20), 'name').replace(/[/?#%]/g, '_')],
  ])();
}

function makeCase(r: Rng): FuzzCase {
  const route = r.pick(Object.keys(ROUTES));
  const [method, template] = route.split(' ');
  const kindParts: string[] = [];
  let path = template.replace('{token}', () => tokenFor(r, route));
  const prefix = r.chance(0.8) ? '/v1' : '';
  if (r.chance(0.05)) path = path.toUpperCase();
  if (r.chance(0.05)) path += '/';
  let query = '';
  if (template === '/calls' && method === 'GET') query = r.chance(0.85) ? `?version=${r.pick(['0', '1', '', 'abc', '99999999999999999999', '-5'])}` : '';
  else if (template === '/rooms' && method === 'GET') query = r.chance(0.5) ? `?version=${r.pick(['0', '1', '', 'abc', '-1', String(Math.floor(Date.now() / 1000))])}` : '';
  else if (r.chance(0.05)) query = `?${r.pick(['simplePushURL=http%3A%2F%2F127.0.0.1%3A1%2F', 'x=1', '&&', '%'])}`;
  const s = r.pick(sessions);
  const q: Req = { method, path: `${prefix}${path}${query}`, creds: s.creds };
  let kind = 'loop-rest/request';
  if (route === 'GET /calls/{token}' || route === 'POST /calls/{token}' || (route.includes('/rooms/{token}') && r.chance(0.1))) q.creds = null;
  if (r.chance(0.04)) {
    q.badHawk = r.pick(['mac', 'stale'] as const);
    kindParts.push('bad-hawk');
  }
  const hasBody = method !== 'GET' && method !== 'DELETE' ? r.chance(0.95) : r.chance(0.05);
  if (hasBody) {
    q.contentType = r.weighted([[12, 'application/json'], [1, 'application/x-www-form-urlencoded'], [1, 'text/plain'], [1, 'application/json; charset=utf-8']] as const);
    const body = r.weighted<() => Buffer>([
      [12, () => json(r.chance(0.7) ? validBody(r, route) : mutate(r, validBody(r, route)))],
      [1, () => json(randomJson(r, 4))],
      [1, () => Buffer.from(r.pick(['', '{', 'null', '5', '"x"', '[]', '{"a":1}x', 'a=1&b=2&action=join', '\u0000', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}']))],
      [1, () => r.bytes(r.size(102_400))],
    ])();
    q.body = body;
    if (body.length > 102_400) kindParts.push('big-body');
  }
  if (route === 'POST /rooms' || route === 'PATCH /rooms/{token}') {
    if (r.chance(0.02)) {
      // A context nested thousands deep: stored, then listed by GET /v1/rooms.
      q.body = Buffer.from(`{"context":{"value":${nestedText(r.int(3000, 20_000))},"alg":"a","wrappedKey":"k"},"roomOwner":"o","maxSize":2}`);
      q.contentType = 'application/json';
      kind = 'loop-rest/rooms-deep-context';
    }
  }
  // Objects with an own toString/valueOf that is not a function break String(v) (see known-failing.ts).
  if (q.body && /"(toString|valueOf)":/.test(q.body.toString('latin1'))) kind = 'loop-rest/own-tostring';
  if (r.chance(0.03)) q.headers = [`Accept: ${r.pick(['text/html', 'application/json', '*/*', 'image/png', ''])}`];
  if (r.chance(0.05)) q.headers = [...(q.headers ?? []), `Origin: ${r.pick(['http://allowed.test', 'http://other.test', 'null'])}`];
  // Session-ending endpoints run on a fresh session, so the pool keeps working.
  const fresh = route === 'DELETE /session' || route === 'DELETE /account';
  return {
    kind,
    what: `${q.method} ${preview(q.path, 200)}${q.creds === null ? ' (no auth)' : ''}${q.badHawk ? ` (hawk: ${q.badHawk})` : ''}${q.contentType ? ` [${q.contentType}]` : ''}${q.body ? ` ${preview(q.body, 300)}` : ''}${q.headers ? ` ${q.headers.join(' | ')}` : ''}`,
    async run() {
      if (fresh) q.creds = await registerSession(s.identity);
      let res: RawResponse;
      try {
        res = await call(q);
      } catch (err) {
        if (err instanceof HangError) return [`HANG: ${err.message}`];
        throw err;
      }
      count(outcomes, `${route} ${res.status}`);
      if (res.status === 201) roomTokens.push(parse(res)?.roomToken ?? 'x');
      if (route === 'POST /call-url' && res.status === 200) callTokens.push(parse(res)?.callToken ?? 'x');
      const allowed = new Set(ROUTES[route]);
      if (prefix === '' && path !== template.replace('{token}', '')) allowed.add(307); // a mangled path is no route
      if (prefix !== '') allowed.add(404);
      const problem = statusProblem(res.status, allowed, route);
      if (problem) return [`${problem}: ${preview(res.body, 300)}`];
      // §8.5: the bulk delete answers 404 with its own body shape.
      if (res.status >= 400 && method !== 'HEAD' && !(route === 'PATCH /rooms' && res.status === 404)) {
        const body = parse(res);
        if (!body || body.code !== res.status) return [`error body ${preview(res.body, 200)} does not carry code ${res.status}`];
      }
      return [];
    },
  };
}

test('fuzz: Loop REST with valid Hawk signatures', async (t) => {
  const report = await runFuzz({ surface: 'loop-rest', cases: casesFor(0.38), concurrency: 16, fuzz, make: makeCase, outcomes });
  t.diagnostic(summary('loop-rest', report));
  assert.equal(report.failures.length, 0, failureText('loop-rest', report));
  // Listing every session's rooms still works after everything the fuzz stored.
  for (const s of sessions) {
    const res = await call({ method: 'GET', path: '/v1/rooms', creds: s.creds });
    assert.equal(res.status, 200, `GET /v1/rooms after the fuzz: ${preview(res.body, 300)}`);
  }
});
