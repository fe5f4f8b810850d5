import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { OutboundClient } from '../../src/net/outbound-http.ts';
import { OutboundPolicy } from '../../src/net/outbound-policy.ts';
import { captureLog } from '../loop/external/local-server.ts';

/** A capture server on 127.0.0.1 that counts TCP connections, so "nothing reached it" is exact. */
interface Capture {
  readonly port: number;
  readonly paths: string[];
  connections: number;
}

let server: Server;
const capture: Capture = { port: 0, paths: [], connections: 0 };
let reply: (path: string, res: ServerResponse) => void = (_p, res) => res.writeHead(200, { 'Content-Type': 'text/plain' }).end('hello');

before(async () => {
  server = createServer((req, res) => {
    capture.paths.push(req.url ?? '');
    req.resume();
    req.on('end', () => reply(req.url ?? '', res));
  });
  server.on('connection', () => capture.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (capture as { port: number }).port = (server.address() as AddressInfo).port;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function client(allow: string[] = []) {
  const { log, lines } = captureLog();
  return { c: new OutboundClient({ policy: OutboundPolicy.fromList(allow), log }), lines };
}

const counts = () => ({ connections: capture.connections, requests: capture.paths.length });

test('by default a request to 127.0.0.1 is refused before any connection is made', async () => {
  const { c } = client();
  const before = counts();
  const r = await c.request(`http://127.0.0.1:${capture.port}/internal/admin?x=1`, { method: 'PUT', body: 'version=1', timeoutMs: 1000 });
  assert.equal(r.ok, false);
  if (!r.ok) assert.deepEqual([r.code, 'range' in r ? r.range : ''], ['outbound_refused', 'loopback']);
  assert.deepEqual(counts(), before, 'the capture server saw no connection');
});

test('a name resolving to 127.0.0.1 (localhost) is refused by default, after resolution', async () => {
  const { c } = client();
  const before = counts();
  const r = await c.request(`http://localhost:${capture.port}/x`, { timeoutMs: 1000 });
  assert.equal(r.ok, false);
  if (!r.ok && r.code === 'outbound_refused') {
    assert.equal(r.host, 'localhost');
    assert.equal(r.range, 'loopback');
  } else assert.fail(`expected a refusal, got ${JSON.stringify(r)}`);
  assert.deepEqual(counts(), before);
});

test('IPv4-mapped and other literal forms of loopback are refused too', async () => {
  const { c } = client();
  const before = counts();
  for (const host of ['[::ffff:127.0.0.1]', '[::ffff:7f00:1]', '2130706433', '0x7f.1', '127.1', '[::1]', '0.0.0.0']) {
    const r = await c.request(`http://${host}:${capture.port}/x`, { timeoutMs: 1000 });
    assert.equal(!r.ok && r.code, 'outbound_refused', host);
  }
  assert.deepEqual(counts(), before);
});

test('OUTBOUND_ALLOW=127.0.0.1 lets the request through; an allowed name does too', async () => {
  for (const [allow, host] of [[['127.0.0.1'], '127.0.0.1'], [['localhost'], 'localhost'], [['127.0.0.0/8'], 'localhost']] as const) {
    const { c } = client([...allow]);
    const before = capture.paths.length;
    const r = await c.request(`http://${host}:${capture.port}/allowed`, { method: 'PUT', body: 'version=2', timeoutMs: 2000 });
    assert.deepEqual(r, { ok: true, status: 200, contentType: 'text/plain', body: 'hello' }, `${allow} ${host}`);
    assert.deepEqual(capture.paths.slice(before), ['/allowed']);
  }
});

test('a redirect is a failure and is not followed', async () => {
  reply = (path, res) => {
    if (path === '/moved') res.writeHead(200).end('followed');
    else res.writeHead(302, { Location: `http://127.0.0.1:${capture.port}/moved` }).end();
  };
  try {
    const { c } = client(['127.0.0.1']);
    const before = capture.paths.length;
    const r = await c.request(`http://127.0.0.1:${capture.port}/redirect`, { method: 'POST', body: '{}', timeoutMs: 2000 });
    assert.deepEqual(r, { ok: false, code: 'redirect', message: 'redirect (302) not followed', status: 302 });
    assert.deepEqual(capture.paths.slice(before), ['/redirect'], 'the Location was never requested');
  } finally {
    reply = (_p, res) => res.writeHead(200, { 'Content-Type': 'text/plain' }).end('hello');
  }
});

test('every call has a deadline; a caller can abort it', async () => {
  reply = () => {}; // never answers
  try {
    const { c } = client(['127.0.0.1']);
    const started = Date.now();
    const r = await c.request(`http://127.0.0.1:${capture.port}/slow`, { timeoutMs: 100 });
    assert.equal(!r.ok && r.code, 'timeout');
    assert.ok(Date.now() - started < 2000);
    const abort = new AbortController();
    const pending = c.request(`http://127.0.0.1:${capture.port}/slow`, { timeoutMs: 10_000, signal: abort.signal });
    abort.abort();
    assert.equal(((await pending) as { code?: string }).code, 'aborted');
  } finally {
    reply = (_p, res) => res.writeHead(200, { 'Content-Type': 'text/plain' }).end('hello');
  }
});

test('an answer body over maxBodyBytes is a failure; discardBody keeps nothing', async () => {
  const { c } = client(['127.0.0.1']);
  const big = await c.request(`http://127.0.0.1:${capture.port}/big`, { timeoutMs: 2000, maxBodyBytes: 3 });
  assert.equal(!big.ok && big.code, 'too_large');
  const none = await c.request(`http://127.0.0.1:${capture.port}/none`, { timeoutMs: 2000, discardBody: true });
  assert.deepEqual(none, { ok: true, status: 200, contentType: 'text/plain', body: '' });
});

test('URLs that are not http(s) are refused as invalid', async () => {
  const { c } = client(['127.0.0.1']);
  for (const url of ['not a url', 'ftp://127.0.0.1/x', 'file:///etc/passwd', 'javascript:alert(1)']) {
    assert.equal(((await c.request(url, { timeoutMs: 100 })) as { code?: string }).code, 'invalid_url', url);
  }
});

test('a refused destination is logged at warn level once per URL, without a stack or the URL path', async () => {
  const { c, lines } = client();
  const a = `http://127.0.0.1:${capture.port}/secret-capability-a`;
  const b = `http://10.0.0.1:${capture.port}/secret-capability-b`;
  await c.request(a, { timeoutMs: 1000 });
  await c.request(a, { timeoutMs: 1000 });
  await c.request(b, { timeoutMs: 1000 });
  const warns = lines.filter((l) => l.level === 40);
  assert.equal(warns.length, 2);
  assert.deepEqual(warns.map((l) => [l.origin, l.range]), [[`http://127.0.0.1:${capture.port}`, 'loopback'], [`http://10.0.0.1:${capture.port}`, 'private']]);
  assert.match(String(warns[0].msg), /outbound request refused: 127\.0\.0\.1 is a loopback address/);
  assert.equal(lines.filter((l) => l.level === 20 && l.msg === 'outbound request refused').length, 1, 'the repeat is at debug');
  const text = JSON.stringify(lines);
  assert.ok(!text.includes('secret-capability'), 'paths are capabilities: never logged');
  assert.ok(!text.includes('stack'), 'no stack trace');
});
