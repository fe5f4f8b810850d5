// The server process on the uWebSockets.js pure-JS fallback (UWS_USE_FALLBACK=1, allowed with
// ALLOW_UWS_FALLBACK=1): it must serve every surface, not only log that it listens
// (src/http/uws-fallback.ts adapts the fallback to the uWS API that src/http uses).
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { eventually } from '../helpers/eventually.ts';
import { startMain, type RunningMain } from '../helpers/main-process.ts';
import { WsClient } from '../helpers/ws-client.ts';

let main: RunningMain;
let base: string;
let port: number;

before(async () => {
  main = await startMain({ UWS_USE_FALLBACK: '1', ALLOW_UWS_FALLBACK: '1', HOST: '127.0.0.1', PORT: '0' }, [], 20_000);
  const listening = main.lines.find((l) => String(l.msg).includes(' listening on '))!;
  base = String((listening.urls as { api: string }).api).replace(/\/$/, '');
  port = Number(new URL(base).port);
});

after(async () => {
  await main?.stop(); // at once if the last test stopped it already
});

const basic = (user: string, password = 'pw'): Record<string, string> => ({
  Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});

/** The long-poll/socket readers gauge (the metrics are cached for up to 1 s). */
async function readers(): Promise<number> {
  const text = await (await fetch(`${base}/__metrics__`)).text();
  return Number(/^signalbox_long_polls_waiting (\d+)/m.exec(text)?.[1]);
}

async function post(to: string, from: string, body: string | Buffer, type = 'text/plain'): Promise<Response> {
  return fetch(`${base}/inbox?to=${encodeURIComponent(to)}`, { method: 'POST', headers: { ...basic(from), 'Content-Type': type }, body: body as BodyInit });
}

test('the log says the fallback core runs, what it lacks, and stdout holds only JSON (the package banner went to stderr)', () => {
  const listening = main.lines.find((l) => String(l.msg).includes(' listening on '))!;
  assert.match(String(listening.core), /^uWebSockets\.js pure-JS fallback \(slow; UWS_USE_FALLBACK is set\)$/);
  const warned = main.lines.find((l) => String(l.msg).includes('pure-JS fallback core'));
  assert.ok(warned, 'a start-up line about the fallback');
  assert.equal(warned.level, 40);
  assert.ok(Array.isArray(warned.limitations) && warned.limitations.some((s) => String(s).startsWith('REUSE_PORT')), JSON.stringify(warned));
  assert.deepEqual(main.lines.filter((l) => 'raw' in l), [], 'every stdout line is JSON');
  assert.match(main.output(), /Using µWS fallback implementation/); // on stderr
});

test('service routes, a 404 and the CORS headers that ride along in the status line', async () => {
  const hb = await fetch(`${base}/__lbheartbeat__`);
  assert.equal(hb.status, 200);
  assert.deepEqual(await hb.json(), {});
  const missing = await fetch(`${base}/v1/no/such/path?x=1`);
  assert.equal(missing.status, 404);
  assert.equal((await missing.json()).code, 404);
  const preflight = await fetch(`${base}/inbox`, { method: 'OPTIONS', headers: { Origin: 'http://example.test', 'Access-Control-Request-Method': 'POST' } });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
  assert.equal(preflight.headers.get('access-control-allow-methods'), 'GET, POST, DELETE, OPTIONS');
  assert.equal(preflight.headers.get('cache-control'), 'no-store');
  const wrong = await fetch(`${base}/inbox`, { method: 'PUT' });
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers.get('allow'), 'GET, POST, DELETE, OPTIONS');
  await wrong.arrayBuffer();
});

test('inbox round trip: POST /inbox?to= then GET /inbox with Basic auth, a large body too', async () => {
  assert.equal((await fetch(`${base}/inbox`, { headers: basic('bob') })).status, 204); // creates bob's inbox
  assert.equal((await post('bob', 'alice', 'hello bob')).status, 204);
  const got = await fetch(`${base}/inbox`, { headers: basic('bob') });
  assert.equal(got.status, 200);
  assert.equal(got.headers.get('x-from'), 'alice');
  assert.equal(got.headers.get('content-type'), 'text/plain');
  assert.equal(got.headers.get('access-control-allow-origin'), '*');
  assert.equal(await got.text(), 'hello bob');
  // A body of 4 KiB or more goes out through tryEnd on the native core.
  const big = Buffer.from(Uint8Array.from({ length: 20_000 }, (_, i) => (i * 7) & 0xff));
  assert.equal((await post('bob', 'alice', big, 'application/octet-stream')).status, 204);
  const large = await fetch(`${base}/inbox`, { headers: basic('bob') });
  assert.equal(large.status, 200);
  assert.deepEqual(Buffer.from(await large.arrayBuffer()), big);
  const wrongPassword = await fetch(`${base}/inbox`, { headers: basic('bob', 'not-pw') });
  assert.equal(wrongPassword.status, 401);
  await wrongPassword.arrayBuffer();
});

test('a long-poll is answered when a message arrives; an abandoned one lets go of its inbox', async () => {
  assert.equal((await fetch(`${base}/inbox`, { headers: basic('carol') })).status, 204);
  const waiting = fetch(`${base}/inbox?wait=20`, { headers: basic('carol') });
  await eventually(async () => (await readers()) === 1, 'the long-poll to wait');
  assert.equal((await post('carol', 'alice', 'for carol')).status, 204);
  const got = await waiting;
  assert.equal(got.status, 200);
  assert.equal(got.headers.get('x-from'), 'alice');
  assert.equal(await got.text(), 'for carol');

  const abort = new AbortController();
  const abandoned = fetch(`${base}/inbox?wait=20`, { headers: basic('carol'), signal: abort.signal }).catch((err: Error) => err);
  await eventually(async () => (await readers()) === 1, 'the second long-poll to wait');
  abort.abort();
  assert.equal((await abandoned as Error).name, 'AbortError');
  await eventually(async () => (await readers()) === 0, 'the server to see the client go away');
});

test('a Loop request: POST /v1/registration answers 200 with a Hawk-Session-Token', async () => {
  const r = await fetch(`${base}/v1/registration`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('hawk-session-token') ?? '', /^[0-9a-f]{64}$/);
  await r.arrayBuffer();
});

test('/inbox/ws: auth, a message pushed from an HTTP sender, a send; a bad frame gets an error and a close', async () => {
  const ws = await WsClient.connect(port, '/inbox/ws');
  await ws.send({ type: 'auth', username: 'dave', password: 'pw' });
  await ws.expect({ type: 'ready' });
  assert.equal((await post('dave', 'alice', 'over the socket')).status, 204);
  const pushed = await ws.next();
  assert.equal(pushed.type, 'message');
  assert.equal(pushed.from, 'alice');
  assert.equal(pushed.data, 'over the socket');
  await ws.send({ type: 'send', id: '1', to: 'bob', data: 'from dave' });
  await ws.expect({ type: 'sent', id: '1' });
  const got = await fetch(`${base}/inbox`, { headers: basic('bob') });
  assert.equal(got.headers.get('x-from'), 'dave');
  assert.equal(await got.text(), 'from dave');
  ws.close(1000);
  assert.equal((await ws.waitForClose()).code, 1000);

  const bad = await WsClient.connect(port, '/inbox/ws');
  await bad.send('not json');
  const error = await bad.next();
  assert.equal(error.type, 'error');
  assert.equal(error.code, 400);
  assert.equal((await bad.waitForClose()).code, 4400);
});

test('a request with an Upgrade header that is no WebSocket upgrade is answered as a plain request', async () => {
  const answer = await new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (d) => (text += d));
    socket.on('error', reject);
    socket.on('close', () => resolve(text));
    socket.write('GET /__lbheartbeat__ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n');
  });
  assert.match(answer, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(answer, /\r\n\r\n\{\}$/);
});

test('the process is still up after all of it and stops cleanly', async () => {
  assert.equal((await fetch(`${base}/__lbheartbeat__`)).status, 200);
  const run = await main.stop();
  assert.equal(run.code, 0, run.stderr);
  assert.doesNotMatch(run.stderr, /Not implemented|Invalid URL|MaxListenersExceeded/);
  assert.match(run.stdout, /"msg":"signalbox stopped"/);
});
