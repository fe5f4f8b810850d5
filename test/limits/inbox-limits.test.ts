import assert from 'node:assert/strict';
import { request, type ClientRequest } from 'node:http';
import { test } from 'node:test';
import type { TestServer } from '../helpers/server.ts';
import { A, B, basicAuth, fromAddress, rawUntilClosed, retryAfter, limitedServers } from './from-address.ts';

const server = limitedServers();

const get = (s: TestServer, name: string, from = A, extra: Record<string, string> = {}) =>
  fromAddress(s, '/inbox', { from, headers: { ...basicAuth(name), ...extra } });

test('inbox squatting stops at the new-inbox limit of its address; another address still creates inboxes', async () => {
  const s = await server({ RATE_LIMIT_NEW_INBOXES: '5' });
  for (let i = 0; i < 5; i++) assert.equal((await get(s, `squat-${i}`)).status, 204, `inbox ${i}`);
  const refused = await get(s, 'squat-5');
  assert.equal(refused.status, 429);
  assert.deepEqual(Object.keys(refused.json), ['code', 'error', 'message']);
  assert.equal(refused.json.code, 429);
  assert.equal(refused.json.error, 'rate_limited');
  const wait = retryAfter(refused);
  assert.ok(wait >= 1 && wait <= 60, `Retry-After ${wait}`);
  assert.equal(refused.headers['access-control-allow-origin'], '*', 'CORS headers on the 429 too');
  // POST (a sender's inbox) and /turn-credentials count the same way.
  const post = await fromAddress(s, '/inbox?to=squat-0', { method: 'POST', headers: basicAuth('squat-6'), body: 'hi' });
  assert.equal(post.status, 429);
  // The refused inbox was not kept: nobody can send to it.
  const probe = await fromAddress(s, '/inbox?to=squat-5', { from: B, method: 'POST', headers: basicAuth('other-b'), body: 'x' });
  assert.equal(probe.status, 404);
  // Existing inboxes of the limited address still work: reading one creates nothing.
  assert.equal((await get(s, 'squat-0')).status, 204);
});

test('a second address creates inboxes while the first is limited', async () => {
  const s = await server({ RATE_LIMIT_NEW_INBOXES: '2' });
  assert.equal((await get(s, 'a1')).status, 204);
  assert.equal((await get(s, 'a2')).status, 204);
  assert.equal((await get(s, 'a3')).status, 429);
  assert.equal((await get(s, 'b1', B)).status, 204);
  assert.equal((await get(s, 'b2', B)).status, 204);
  assert.equal((await get(s, 'a1')).status, 204, 'an existing inbox is not a new one');
});

test('TURN credentials count as a new inbox', async () => {
  const s = await server({ RATE_LIMIT_NEW_INBOXES: '1', TURN_SECRET: 'x', TURN_URLS: 'turn:t.example:3478' });
  assert.equal((await fromAddress(s, '/turn-credentials', { headers: basicAuth('t1') })).status, 200);
  const r = await fromAddress(s, '/turn-credentials', { headers: basicAuth('t2') });
  assert.equal(r.status, 429);
  assert.equal(r.json.error, 'rate_limited');
});

test('requests per second: a burst of twice the rate passes, then 429 rate_limited with Retry-After; per address', async () => {
  const s = await server({ RATE_LIMIT_REQUESTS: '5' });
  const started = Date.now();
  const statuses: number[] = [];
  let refused;
  for (let i = 0; i < 30; i++) {
    const r = await fromAddress(s, '/inbox', { method: 'OPTIONS' });
    statuses.push(r.status);
    if (r.status === 429) refused ??= r;
  }
  const elapsedSec = (Date.now() - started) / 1000;
  const passed = statuses.filter((x) => x === 204).length;
  assert.equal(passed + statuses.filter((x) => x === 429).length, 30);
  assert.ok(passed >= 10, `the burst of 10 passes (${passed})`);
  assert.ok(passed <= 10 + Math.ceil(elapsedSec * 5) + 1, `no more than burst + rate × time (${passed} in ${elapsedSec} s)`);
  assert.ok(refused, 'some requests were refused');
  assert.equal(refused.json.error, 'rate_limited');
  assert.equal(retryAfter(refused), 1);
  assert.equal((await fromAddress(s, '/inbox', { method: 'OPTIONS', from: B })).status, 204);
});

test('the Loop surface answers the request limit in Loop format: 429 errno 429 with one Retry-After', async () => {
  const s = await server({ RATE_LIMIT_REQUESTS: '1' });
  let r;
  for (let i = 0; i < 5 && r?.status !== 429; i++) r = await fromAddress(s, '/v1/push-server-config');
  assert.equal(r!.status, 429);
  assert.deepEqual(r!.json, { code: 429, errno: 429, error: 'Too Many Requests' });
  assert.equal(retryAfter(r!), 1);
});

test('TRUST_PROXY: a trusted peer is counted by X-Forwarded-For, an untrusted one by its own address', async () => {
  const s = await server({ RATE_LIMIT_NEW_INBOXES: '2', TRUST_PROXY: `${A}/32` });
  const via = (name: string, xff: string, from = A) => get(s, name, from, { 'X-Forwarded-For': xff });
  // Through the trusted proxy (A): each forwarded client has its own count.
  assert.equal((await via('p1', '203.0.113.1')).status, 204);
  assert.equal((await via('p2', '203.0.113.1')).status, 204);
  assert.equal((await via('p3', '203.0.113.1')).status, 429);
  assert.equal((await via('p4', '203.0.113.2')).status, 204);
  // A spoofed left-most entry does not help: the proxy's right-most entry counts.
  assert.equal((await via('p5', '198.51.100.7, 203.0.113.1')).status, 429);
  // A trusted hop in the chain is skipped.
  assert.equal((await via('p6', `203.0.113.3, ${A}`)).status, 204);
  // From B (not trusted) X-Forwarded-For is ignored: B is the client, whatever it claims.
  assert.equal((await via('q1', '192.0.2.1', B)).status, 204);
  assert.equal((await via('q2', '192.0.2.2', B)).status, 204);
  assert.equal((await via('q3', '192.0.2.3', B)).status, 429);
});

test('RATE_LIMITS=off turns every per-client limit off', async () => {
  const s = await server({
    RATE_LIMITS: 'off', RATE_LIMIT_NEW_INBOXES: '1', RATE_LIMIT_REQUESTS: '1', MAX_CONNECTIONS_PER_CLIENT: '1',
  });
  for (let i = 0; i < 20; i++) assert.equal((await get(s, `off-${i}`)).status, 204);
  const polls = [0, 1, 2].map((i) => longPoll(s, `off-${i}`));
  await untilConnections(s, 3);
  assert.equal((await get(s, 'off-99')).status, 204);
  for (const p of polls) p.abort();
});

interface Poll {
  readonly answer: Promise<number>;
  abort(): void;
}

/** A long-poll (wait=10) that the test aborts. */
function longPoll(s: TestServer, name: string, from = A): Poll {
  let req!: ClientRequest;
  const answer = new Promise<number>((resolve) => {
    req = request({ host: '127.0.0.1', port: s.port, path: '/inbox?wait=10', headers: basicAuth(name), localAddress: from, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(-1));
    req.end();
  });
  return { answer, abort: () => req.destroy() };
}

/** Waits (bounded) until the server counts `n` busy connections. */
async function untilConnections(s: TestServer, n: number): Promise<void> {
  const counter = s.app.limits.gate?.connections;
  assert.ok(counter, 'connections are counted');
  const end = Date.now() + 3000;
  while (counter.total !== n) {
    if (Date.now() > end) assert.fail(`expected ${n} busy connections, have ${counter.total}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('connections per client: past MAX_CONNECTIONS_PER_CLIENT a request gets 429 at once and its connection closes', async () => {
  const s = await server({ MAX_CONNECTIONS_PER_CLIENT: '3' });
  const polls = [0, 1, 2].map((i) => longPoll(s, `c${i}`));
  await untilConnections(s, 3);
  const started = Date.now();
  const refused = await get(s, 'c3');
  assert.ok(Date.now() - started < 1000, 'answered quickly');
  assert.equal(refused.status, 429);
  assert.equal(refused.json.error, 'too_many_connections');
  assert.equal(retryAfter(refused), 1);
  // The refused connection is closed by the server (it frees its descriptor).
  const raw = await rawUntilClosed(s, `GET /inbox HTTP/1.1\r\nHost: x\r\nAuthorization: ${basicAuth('c4').Authorization}\r\n\r\n`);
  assert.match(raw, /^HTTP\/1\.1 429 /);
  assert.equal((await get(s, 'b-side', B)).status, 204, 'another address is not affected');
  polls[0].abort();
  await untilConnections(s, 2);
  assert.equal((await get(s, 'c3')).status, 204, 'a slot freed by an abort is reusable');
  polls[1].abort();
  polls[2].abort();
  await untilConnections(s, 0);
});

test('total connections: past MAX_CONNECTIONS a request gets 503 server_busy (even with per-client limits off)', async () => {
  const s = await server({ RATE_LIMITS: 'off', MAX_CONNECTIONS: '2' });
  const polls = [longPoll(s, 't0'), longPoll(s, 't1', B)];
  await untilConnections(s, 2);
  const refused = await get(s, 't2', '127.0.0.3');
  assert.equal(refused.status, 503);
  assert.equal(refused.json.error, 'server_busy');
  assert.equal(retryAfter(refused), 1);
  for (const p of polls) p.abort();
  await untilConnections(s, 0);
  assert.equal((await get(s, 't2', '127.0.0.3')).status, 204);
});

test('a long-poll answered normally gives its slot back', async () => {
  const s = await server({ MAX_CONNECTIONS_PER_CLIENT: '1' });
  assert.equal((await fromAddress(s, '/inbox?wait=0', { headers: basicAuth('x') })).status, 204);
  const poll = longPoll(s, 'x');
  await untilConnections(s, 1);
  assert.equal((await fromAddress(s, '/inbox?to=x', { from: B, method: 'POST', headers: basicAuth('y'), body: 'hello' })).status, 204);
  assert.equal(await poll.answer, 200);
  await untilConnections(s, 0);
});
