import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { hawkFetch, pushCapture, register, send, startLoopServer } from '../helpers/loop.ts';
import type { TestServer } from '../helpers/server.ts';
import { captureLog } from './external/local-server.ts';
import { CONTEXT, pushPath, pushesTo } from './rooms/fixtures.ts';

/*
 * Server-side request forgery: an anonymous client must not make the server
 * call internal addresses. The test servers of the other files allow
 * 127.0.0.1 (test/helpers/loop.ts); these run with the default (none).
 */

type Capture = Awaited<ReturnType<typeof pushCapture>>;
let capture: Capture;
let strict: TestServer;
let strictLog: ReturnType<typeof captureLog>;
let allowing: TestServer;

before(async () => {
  capture = await pushCapture();
  strictLog = captureLog();
  strict = await startLoopServer({}, { logger: strictLog.log }, { OUTBOUND_ALLOW: '' });
  allowing = await startLoopServer();
});
after(async () => {
  await strict.close();
  await allowing.close();
  await capture.close();
});

const port = () => new URL(capture.url).port;

/** Waits (bounded) for a log line matching `msg`. */
async function logLine(msg: RegExp, ms = 3000): Promise<Record<string, unknown> | undefined> {
  const end = Date.now() + ms;
  for (;;) {
    const line = strictLog.lines.find((l) => msg.test(String(l.msg)));
    if (line || Date.now() > end) return line;
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('registration refuses push URLs on refused IP literals with 400 errno 107', async () => {
  const cases: [string, Record<string, string>, string][] = [
    ['rooms', { rooms: `http://127.0.0.1:${port()}/internal/admin?x=1` }, 'simplePushURLs.rooms'],
    ['calls', { calls: 'http://10.0.0.1/push' }, 'simplePushURLs.calls'],
    ['metadata', { rooms: 'http://169.254.169.254/latest/meta-data/' }, 'simplePushURLs.rooms'],
    ['mapped', { calls: `http://[::ffff:127.0.0.1]:${port()}/p` }, 'simplePushURLs.calls'],
    ['decimal', { rooms: 'http://2130706433/p' }, 'simplePushURLs.rooms'],
    ['ipv6', { rooms: 'https://[fd00::1]/p' }, 'simplePushURLs.rooms'],
  ];
  for (const [label, urls, name] of cases) {
    const r = await send(strict, 'POST', '/v1/registration', { simplePushURLs: urls });
    assert.equal(r.status, 400, label);
    assert.deepEqual(r.json, { code: 400, errno: 107, error: `${name} should not point to a private or reserved address` }, label);
  }
  const legacy = await send(strict, 'POST', '/v1/registration', { simplePushURL: 'http://0.0.0.0:5815/' });
  assert.equal(legacy.json?.errno, 107);
  const query = await send(strict, 'POST', `/v1/registration?simplePushURL=${encodeURIComponent('http://192.168.1.1/')}`, {});
  assert.equal(query.json?.errno, 107);
  // Names and public addresses are accepted here; names are judged when a push is sent.
  const ok = await send(strict, 'POST', '/v1/registration', { simplePushURLs: { rooms: `http://localhost:${port()}/p`, calls: 'https://93.184.216.34/p' } });
  assert.equal(ok.status, 200, ok.text);
});

test('by default a room push to a name resolving to 127.0.0.1 is refused and logged; nothing reaches it', async () => {
  const path = pushPath('strict');
  const owner = await register(strict, { push: { rooms: `http://localhost:${port()}${path}` } });
  const before = capture.requests.length;
  const r = await hawkFetch(strict, owner.creds, 'POST', '/v1/rooms', { body: { context: CONTEXT, roomOwner: 'O', maxSize: 2 } });
  assert.equal(r.status, 201, r.text);
  // The refusal is the end of that push: once logged, nothing is in flight.
  const warned = await logLine(/^outbound request refused: localhost \(127\.0\.0\.1\) is a loopback address/);
  assert.ok(warned, 'the refusal was logged');
  assert.equal(warned.level, 40);
  assert.equal(warned.origin, `http://localhost:${port()}`);
  assert.equal(capture.requests.length, before, 'the capture server received nothing');
  assert.ok(!JSON.stringify(strictLog.lines).includes(path), 'the push path (a capability) is not logged');
});

test('with OUTBOUND_ALLOW=127.0.0.1 (the test helper) the same push arrives', async () => {
  const path = pushPath('allowed');
  const owner = await register(allowing, { push: { rooms: `${capture.url}${path}` } });
  const r = await hawkFetch(allowing, owner.creds, 'POST', '/v1/rooms', { body: { context: CONTEXT, roomOwner: 'O', maxSize: 2 } });
  assert.equal(r.status, 201, r.text);
  const pushes = await pushesTo(capture, path, 1);
  assert.equal(pushes.length, 1);
  assert.equal(pushes[0].method, 'PUT');
});

test('the heartbeat probe of a remote verifier is guarded too', async () => {
  const loop = { identity: { browserid: 'remote' }, fxaVerifier: `${capture.url}/v2`, heartbeatTimeout: 1000 };
  const denied = await startLoopServer(loop, {}, { OUTBOUND_ALLOW: '' });
  const allowed = await startLoopServer(loop);
  try {
    const before = capture.requests.length;
    const no = await send(denied, 'GET', '/__heartbeat__');
    assert.equal(no.status, 503);
    assert.equal(no.json.fxaVerifier, false);
    assert.equal(capture.requests.length, before, 'no probe reached the verifier');
    const yes = await send(allowed, 'GET', '/__heartbeat__');
    assert.equal(yes.json.fxaVerifier, true, yes.text);
    assert.equal(capture.requests.at(-1)?.path, '/status');
  } finally {
    await denied.close();
    await allowed.close();
  }
});
