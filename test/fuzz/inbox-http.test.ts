import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { basic } from '../helpers/server.ts';
import {
  REQUEST_TIMEOUT_MS, casesFor, count, failureText, preview, runFuzz, startFuzzServer, statusProblem, summary,
  type FuzzCase, type FuzzServer,
} from './harness.ts';
import { HangError, rawRequest, requestBytes, type RawResponse } from './raw-http.ts';
import { CHAR_KINDS, type Rng } from './rng.ts';

/**
 * Fuzz of the inbox over HTTP (inbox.md "Endpoints", README "Errors"):
 * mutated credentials, names, query strings, Prefer and Content-Type headers,
 * bodies of random bytes and sizes, and malformed framing sent as raw bytes.
 */

const MAX_MESSAGE_BYTES = 4096;
const ENV = { MAX_WAIT: '0.05', MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES), INBOX_CAPACITY: '8' };
const NAMES = ['alice', 'bob', 'carol', 'dave', 'eve', 'mallory', 'b64+/=', 'x'.repeat(256), '!~', 'a.b-c_d'];
const PASSWORD = 'pw';

/** Statuses per method on /inbox (inbox.md tables, README "Errors"; rate limits are off, MAX_INBOXES unreachable). */
const ALLOWED: Record<string, ReadonlySet<number>> = {
  GET: new Set([200, 204, 400, 401]),
  POST: new Set([204, 400, 401, 404, 413, 503]),
  DELETE: new Set([204, 400, 401, 404]),
  OPTIONS: new Set([204]),
};
const OTHER_METHOD = new Set([400, 405]);
/** Paths beside /inbox land on the Loop catch-all (loop-v1.md §2.1): 307 to /v1…, or 404 under signalbox's own prefixes. */
const OTHER_PATH = new Set([200, 204, 307, 404]);

let fuzz: FuzzServer;
const outcomes: Record<string, number> = {};

before(async () => {
  fuzz = await startFuzzServer({ env: ENV });
  // The pool's inboxes exist with PASSWORD before the first mutated request can claim a name.
  for (const name of NAMES) {
    const res = await rawRequest({ port: fuzz.server.port, bytes: requestBytes(['GET /inbox HTTP/1.1', 'Host: x', `Authorization: ${basic(name, PASSWORD)}`]), timeoutMs: REQUEST_TIMEOUT_MS });
    assert.equal(res.status, 204, name);
  }
});
after(async () => {
  await fuzz?.close();
});

function username(r: Rng): string {
  return r.weighted<() => string>([
    [6, () => r.pick(NAMES)],
    [2, () => `u${r.int(0, 5000)}`],
    [2, () => r.string(r.int(0, 300), r.pick(CHAR_KINDS))],
    [1, () => r.pick(['', ':', 'a:b', 'x'.repeat(257), ' ', 'a b', 'a\u0000b', 'a\r\nX-Injected: 1'])],
  ])();
}

function password(r: Rng, name: string): string {
  return r.weighted<() => string>([
    [NAMES.includes(name) ? 30 : 8, () => PASSWORD],
    [2, () => 'wrong'],
    [2, () => r.string(r.int(0, 40), r.pick(CHAR_KINDS))],
    [1, () => r.pick(['', 'a'.repeat(1024), 'a'.repeat(1025), 'é'.repeat(513), ':::'])],
  ])();
}

/** Percent-encodes the UTF-8 bytes of `s` (lone surrogates become U+FFFD, where encodeURIComponent throws). */
function pct(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) out += /[A-Za-z0-9\-_.~!*'()]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0').toUpperCase()}`;
  return out;
}

/** Header-safe bytes (no control characters but tab, RFC 9110 §5.5): what a well-framed request may carry. */
function headerSafe(value: string): Buffer {
  return Buffer.from(value.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, ' '), r8(value) ? 'utf8' : 'latin1');
}
const r8 = (v: string) => /[^\x00-\xff]/.test(v);

function authorization(r: Rng, name: string, pass: string): string | Buffer | null {
  return r.weighted<() => string | Buffer | null>([
    [25, () => basic(name, pass)],
    [1, () => null],
    [1, () => r.pick(['Basic', 'Basic ', 'basic ' + Buffer.from(`${name}:${pass}`).toString('base64'), 'Bearer abc', 'Hawk id="x"', 'Basic !!!!', 'Basic ' + Buffer.from(name).toString('base64'), 'Basic  ' + Buffer.from(`${name}:${pass}`).toString('base64')])],
    [1, () => 'Basic ' + Buffer.from(`${name}:${pass}`, 'latin1').toString('base64')],
    [1, () => 'Basic ' + r.bytes(r.int(0, 64)).toString('base64')],
    [1, () => 'Basic ' + Buffer.from(`${name}:${pass}`).toString('base64').slice(0, r.int(0, 20))],
    [1, () => headerSafe(r.string(r.int(0, 200), r.pick(['ascii', 'latin1', 'unicode'] as const)))],
    [1, () => 'Basic ' + Buffer.from(`${name}:${'p'.repeat(r.int(1000, 9000))}`).toString('base64')],
  ])();
}

function query(r: Rng, method: string): string {
  const parts: string[] = [];
  const to = () =>
    r.weighted<() => string>([
      [8, () => pct(r.pick(NAMES))],
      [2, () => pct(`u${r.int(0, 5000)}`)],
      [2, () => pct(r.string(r.int(0, 300), r.pick(CHAR_KINDS)))],
      [2, () => r.string(r.int(0, 40), r.pick(['name', 'special'] as const)).replace(/[#\s\u0000]/g, '%')],
      [1, () => r.pick(['', '%', '%zz', '%0', '%00', '%0d%0a', 'a+b', '%C3%28', '%ED%A0%80', 'x'.repeat(2000)])],
    ])();
  if (method === 'POST' ? r.chance(0.9) : r.chance(0.1)) parts.push(`to=${to()}`);
  if (r.chance(0.05)) parts.push(`to=${to()}`);
  if (r.chance(0.2)) parts.push(`wait=${r.pick(['0', '1', '5', '-1', '1.5', 'abc', '', '99999999999999999999', '1e3', '0x10', '%20', '+1', '01'])}`);
  if (r.chance(0.1)) parts.push(r.pick(['', '&', '=', 'x', 'x=%', 'wait', 'to', '&&&', r.string(r.int(0, 30), 'name').replace(/[# ]/g, '_')]));
  return parts.length === 0 && r.chance(0.9) ? '' : '?' + parts.join('&');
}

interface Built {
  readonly method: string;
  readonly path: string;
  readonly lines: (string | Buffer)[];
  body?: Buffer;
  endAfterWrite?: boolean;
  /** Raw framing: a transport-level outcome (no status, 400, 413, 431) is fine too. */
  malformed?: boolean;
}

function wellFormed(r: Rng): Built {
  const method = r.weighted([[5, 'GET'], [6, 'POST'], [2, 'DELETE'], [1, 'OPTIONS'], [1, 'HEAD'], [1, r.pick(['PUT', 'PATCH', 'TRACE'])]] as const);
  const path = r.chance(0.95) ? '/inbox' : r.pick(['/inbox/', '/INBOX', '/inbox/x', '/inbox%2f', '/inbox/ws', '/inboxx', '//inbox', '/inbox/..']);
  const name = username(r);
  const lines: (string | Buffer)[] = [`${method} ${path}${query(r, method)} HTTP/1.1`, 'Host: 127.0.0.1'];
  const auth = authorization(r, name, password(r, name));
  if (auth !== null) lines.push(Buffer.concat([Buffer.from('Authorization: '), typeof auth === 'string' ? Buffer.from(auth, 'latin1') : auth]));
  if (r.chance(0.2)) lines.push(`Prefer: ${r.pick(['wait=0', 'wait=1', 'wait=100', 'wait=-1', 'wait=abc', 'wait=', 'respond-async, wait=1', 'wait=1.5', 'WAIT=1', 'wait = 1', 'return=minimal'])}`);
  if (r.chance(0.15)) lines.push(Buffer.concat([Buffer.from('Origin: '), headerSafe(r.pick(['http://a.test', 'null', '*', r.string(r.int(0, 40), 'ascii')]))]));
  if (r.chance(0.6)) {
    const type = r.weighted<() => string | Buffer>([
      [4, () => r.pick(['application/json', 'text/plain', 'application/octet-stream', 'application/sdp; charset=utf-8'])],
      [1, () => headerSafe(r.string(r.int(0, 300), r.pick(CHAR_KINDS)))],
      [1, () => ''],
    ])();
    lines.push(Buffer.concat([Buffer.from('Content-Type: '), typeof type === 'string' ? Buffer.from(type) : type]));
  }
  let body: Buffer | undefined;
  if (method === 'POST' ? r.chance(0.95) : r.chance(0.1)) {
    body = r.chance(0.5) ? r.bytes(r.size(MAX_MESSAGE_BYTES)) : Buffer.from(r.string(r.size(MAX_MESSAGE_BYTES / 3), r.pick(CHAR_KINDS)));
  }
  if (body !== undefined) {
    if (r.chance(0.9)) lines.push(`Content-Length: ${body.length}`);
    else {
      lines.push('Transfer-Encoding: chunked');
      body = chunked(r, body);
    }
  } else if (r.chance(0.1)) lines.push('Content-Length: 0');
  return { method, path, lines, body };
}

function chunked(r: Rng, body: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < body.length; ) {
    const n = Math.min(body.length - at, r.int(1, 2048));
    parts.push(Buffer.from(`${n.toString(16)}\r\n`), body.subarray(at, at + n), Buffer.from('\r\n'));
    at += n;
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

/** Framing that fetch would refuse: Content-Length mismatches and garbage, broken chunks, cut bodies. */
function malformed(r: Rng): { kind: string; built: Built } {
  const base = wellFormed(r);
  const lines = base.lines.filter((l) => !/^(content-length|transfer-encoding):/i.test(l.toString('latin1')));
  const body = base.body ?? r.bytes(r.size(MAX_MESSAGE_BYTES));
  const built = (kind: string, extra: Partial<Built>): { kind: string; built: Built } => ({
    kind: `inbox-http/${kind}`, built: { ...base, lines, body, malformed: true, ...extra },
  });
  switch (r.int(0, 9)) {
    case 8: { // methods uWS does not route: lower case, unknown tokens
      const method = r.pick(['get', 'post', 'FOO', 'M-SEARCH', 'GETT', 'CONNECT']);
      return built('odd-method', { lines: [`${method} /inbox HTTP/1.1`, ...lines.slice(1)], body: undefined, method, path: '/inbox' });
    }
    case 9: // HTTP/1.0 clients (ApacheBench, old proxies)
      return built('http10', { lines: ['GET /inbox HTTP/1.0', ...lines.slice(1)], body: undefined, method: 'GET', path: '/inbox' });
    case 0: // the body ends early, then the client half-closes
      return built('cl-longer-than-body', { lines: [...lines, `Content-Length: ${body.length + r.int(1, 100_000)}`], endAfterWrite: true });
    case 1: // extra bytes after the announced body (they read as a next request)
      return built('cl-shorter-than-body', { lines: [...lines, `Content-Length: ${r.int(0, body.length)}`] });
    case 2:
      return built('cl-invalid', {
        lines: [...lines, `Content-Length: ${r.pick(['abc', '-1', '1e3', ' 5', '+5', '0x10', '', '99999999999999999999999', '5, 5', '１'])}`],
        endAfterWrite: true,
      });
    case 3:
      return built('cl-duplicate', { lines: [...lines, `Content-Length: ${body.length}`, `Content-Length: ${r.pick([body.length, body.length + 1, 0])}`], endAfterWrite: true });
    case 4:
      return built('cl-and-chunked', { lines: [...lines, `Content-Length: ${body.length}`, 'Transfer-Encoding: chunked'], endAfterWrite: true });
    case 5: {
      const bad = r.pick([Buffer.from('zz\r\nabc\r\n0\r\n\r\n'), Buffer.from('5\r\nab'), Buffer.from('ffffffffffffffff\r\nx\r\n'), Buffer.from('3\r\nabcdef\r\n0\r\n\r\n'), Buffer.from('-1\r\n\r\n')]);
      return built('chunked-invalid', { lines: [...lines, 'Transfer-Encoding: chunked'], body: bad, endAfterWrite: true });
    }
    case 6: // far over MAX_MESSAGE_BYTES, announced or chunked
      return r.chance(0.5)
        ? built('body-over-limit', { lines: [...lines, `Content-Length: ${MAX_MESSAGE_BYTES * r.int(2, 40)}`], body: r.bytes(MAX_MESSAGE_BYTES * 2) , endAfterWrite: true })
        : built('body-over-limit-chunked', { lines: [...lines, 'Transfer-Encoding: chunked'], body: chunked(r, r.bytes(MAX_MESSAGE_BYTES + r.int(1, 8192))) });
    default: {
      // A request uWS cannot parse; sent with a half-close (the client is done), and without one.
      const head = r.pick([
        'GARBAGE', 'GET /inbox HTTP/9.9', 'GET http://127.0.0.1/inbox HTTP/1.1', 'GET /inbox\u0000 HTTP/1.1',
        'GET  /inbox HTTP/1.1', 'GET /in box HTTP/1.1', '\u0000\u0001\u0002', 'G\tET /inbox HTTP/1.1',
      ]);
      const fin = r.chance(0.5);
      return built(fin ? 'unparsable-then-fin' : 'unparsable', {
        lines: [head, ...lines.slice(1), ...(r.chance(0.3) ? ['Bad Header: x'] : []), ...(r.chance(0.3) ? [`X-Control: a${String.fromCharCode(r.pick([0, 1, 7, 0x1b, 0x7f]))}b`] : [])],
        body: undefined, endAfterWrite: fin,
      });
    }
  }
}

function describe(b: Built): string {
  const head = b.lines.map((l) => (typeof l === 'string' ? l : l.toString('latin1'))).join(' | ');
  return `${preview(head, 400)}${b.body ? ` body ${preview(b.body, 80)}` : ''}${b.endAfterWrite ? ' then FIN' : ''}`;
}

/** Problems with one answer to a well-framed request on /inbox. */
function check(b: Built, res: RawResponse): string[] {
  const problems: string[] = [];
  const onInbox = b.path === '/inbox';
  const allowed = onInbox ? (ALLOWED[b.method] ?? OTHER_METHOD) : OTHER_PATH;
  const transport = new Set([0, 400, 413, 431, ...allowed]);
  const p = statusProblem(b.malformed && res.status === 0 ? 0 : res.status, b.malformed ? transport : allowed, `${b.method} ${b.path}`);
  if (p) return [p];
  if (!b.malformed && res.cut && res.status !== 413) problems.push(`the response was cut off (status ${res.status})`);
  if (!onInbox || res.status === 0 || res.cut) return problems;
  const h = res.headers;
  if (h['cache-control'] !== 'no-store') problems.push(`no Cache-Control: no-store on ${res.status}`);
  if (b.method !== 'OPTIONS' && h['access-control-allow-origin'] === undefined) problems.push(`no CORS header on ${res.status}`);
  if (res.status === 401 && !h['www-authenticate']?.startsWith('Basic')) problems.push('401 without WWW-Authenticate: Basic');
  if (res.status === 405 && !h.allow) problems.push('405 without Allow');
  if (res.status === 503 && h['retry-after'] !== '1') problems.push('503 without Retry-After: 1');
  if (res.status === 200 && !h['x-from']) problems.push('200 without X-From');
  if (res.status >= 400 && b.method !== 'HEAD') {
    try {
      const body = JSON.parse(res.body.toString('utf8')) as { code?: unknown; error?: unknown };
      if (body.code !== res.status || typeof body.error !== 'string') problems.push(`error body ${preview(res.body)} does not match its status`);
    } catch {
      problems.push(`error body is not JSON: ${preview(res.body)}`);
    }
  }
  return problems;
}

function makeCase(r: Rng): FuzzCase {
  const { kind, built } = r.chance(0.85) ? { kind: 'inbox-http/request', built: wellFormed(r) } : malformed(r);
  const bytes = requestBytes(built.lines, built.body);
  return {
    kind,
    what: describe(built),
    async run() {
      try {
        const res = await rawRequest({
          port: fuzz.server.port, bytes, endAfterWrite: built.endAfterWrite, timeoutMs: REQUEST_TIMEOUT_MS, head: built.method === 'HEAD',
        });
        count(outcomes, `${built.method.length <= 7 ? built.method : 'other'} ${res.status || 'closed'}`);
        return check(built, res);
      } catch (err) {
        if (err instanceof HangError) return [`HANG: ${err.message}`];
        throw err;
      }
    },
  };
}

test('fuzz: inbox over HTTP', async (t) => {
  const report = await runFuzz({ surface: 'inbox-http', cases: casesFor(0.4), concurrency: 32, fuzz, make: makeCase, outcomes });
  t.diagnostic(summary('inbox-http', report));
  assert.equal(report.failures.length, 0, failureText('inbox-http', report));
  // The server still answers normally after all of it.
  const res = await rawRequest({ port: fuzz.server.port, bytes: requestBytes(['GET /inbox HTTP/1.1', 'Host: x', `Authorization: ${basic('after-fuzz', 'pw')}`]), timeoutMs: REQUEST_TIMEOUT_MS });
  assert.equal(res.status, 204);
});
