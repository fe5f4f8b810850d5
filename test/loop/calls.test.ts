import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestServer } from '../helpers/server.ts';
import { hawkFetch, pushCapture, register, send, startLoopServer, type Registered } from '../helpers/loop.ts';

let server: TestServer;
let short: TestServer;
let capture: Awaited<ReturnType<typeof pushCapture>>;
before(async () => {
  server = await startLoopServer();
  short = await startLoopServer({ callDuration: 1, timers: { supervisoryDuration: 0.2, ringingDuration: 0.2, connectionDuration: 0.2 } });
  capture = await pushCapture();
});
after(async () => {
  await server.close();
  await short.close();
  await capture.close();
});

const nowSec = () => Math.floor(Date.now() / 1000);
let seq = 0;
/** A registered user with a `calls` push URL on the capture server. */
async function callee(s: TestServer, email = `b${++seq}@example.com`): Promise<Registered & { email: string; path: string }> {
  const path = `/push/${seq}-${Math.random().toString(36).slice(2)}`;
  const r = await register(s, { identity: email, push: { calls: `${capture.url}${path}` } });
  return { ...r, email, path };
}

test('§17.33 GET /calls without version is 400 Missing: version', async () => {
  const { creds } = await register(server);
  const r = await hawkFetch(server, creds, 'GET', '/v1/calls');
  assert.deepEqual(r.json, { code: 400, errno: 108, error: 'Missing: version' });
});

test('§17.34–36 POST /calls validation order: calleeId, callType, subject length; anonymous 403', async () => {
  const { creds: anon } = await register(server);
  assert.equal((await hawkFetch(server, anon, 'POST', '/v1/calls', { body: { calleeId: 'x', callType: 'audio' } })).status, 403);
  const { creds } = await register(server, { identity: 'caller1@example.com' });
  const post = (body: unknown) => hawkFetch(server, creds, 'POST', '/v1/calls', { body });
  assert.deepEqual((await post({ callType: 'audio' })).json, { code: 400, errno: 108, error: 'Missing: calleeId' });
  assert.deepEqual((await post({ calleeId: 'x' })).json, { code: 400, errno: 108, error: 'Missing: callType' });
  assert.deepEqual((await post({ calleeId: 'x', callType: 'video' })).json, {
    code: 400, errno: 107, error: "callType should be 'audio' or 'audio-video'",
  });
  const long = await post({ calleeId: 'x', callType: 'audio', subject: 's'.repeat(125) });
  assert.deepEqual(long.json, { code: 400, errno: 107, error: 'Call subject should be shorter than 124 characters' });
  const exact = await post({ calleeId: 'nobody@example.com', callType: 'audio', subject: 's'.repeat(124) });
  assert.notEqual(exact.json.error, 'Call subject should be shorter than 124 characters');
  const wrongType = await post({ calleeId: 'x', callType: 'audio', subject: 42 });
  assert.equal(wrongType.json.errno, 107);
  const html = await hawkFetch(server, creds, 'POST', '/v1/calls', { body: {}, headers: { Accept: 'text/html' } });
  assert.equal(html.status, 406);
});

test('§17.37 calling an identity without a calls push URL is 400 errno 122', async () => {
  await register(server, { identity: 'nopush@example.com' });
  const { creds } = await register(server, { identity: 'caller2@example.com' });
  const r = await hawkFetch(server, creds, 'POST', '/v1/calls', { body: { calleeId: 'nopush@example.com', callType: 'audio' } });
  assert.deepEqual(r.json, { code: 400, errno: 122, error: 'Could not find any existing user to call' });
});

test('§17.38–41 a direct call: caller view, push to the callee, callee view, version filter, case-insensitive identity', async () => {
  const b = await callee(server, 'b@example.com');
  const a = await register(server, { identity: 'a@example.com' });
  const before = nowSec();
  const r = await hawkFetch(server, a.creds, 'POST', '/v1/calls', { body: { calleeId: 'B@EXAMPLE.COM', callType: 'audio-video', subject: 'Hi' } });
  assert.equal(r.status, 200, r.text);
  assert.match(r.json.callId, /^[0-9a-f]{32}$/);
  assert.match(r.json.websocketToken, /^[0-9a-f]{32}$/);
  assert.equal(typeof r.json.sessionId, 'string');
  assert.equal(typeof r.json.sessionToken, 'string');
  assert.equal(typeof r.json.apiKey, 'string');
  assert.equal(r.json.progressURL, `ws://127.0.0.1:${server.port}/websocket`, 'follows the port the server listens on');

  const pushes = (await capture.waitFor(capture.requests.length + 1)).filter((p) => p.path === b.path);
  assert.equal(pushes.length, 1);
  assert.equal(pushes[0].method, 'PUT');
  assert.equal(pushes[0].contentType, 'application/x-www-form-urlencoded');
  const version = Number(/^version=(\d+)$/.exec(pushes[0].body)?.[1]);
  assert.ok(version >= before && version <= nowSec() + 5, pushes[0].body);

  const listed = await hawkFetch(server, b.creds, 'GET', `/v1/calls?version=${version}`);
  assert.equal(listed.status, 200);
  assert.equal(listed.json.calls.length, 1);
  const call = listed.json.calls[0];
  assert.equal(call.callId, r.json.callId);
  assert.notEqual(call.websocketToken, r.json.websocketToken);
  assert.notEqual(call.sessionToken, r.json.sessionToken);
  assert.equal(call.sessionId, r.json.sessionId);
  assert.equal(call.callerId, 'a@example.com');
  assert.equal(call.subject, 'Hi');
  assert.equal(call.callType, 'audio-video');
  assert.equal(call.callUrl, undefined);
  const later = await hawkFetch(server, b.creds, 'GET', `/v1/calls?version=${version + 1}`);
  assert.deepEqual(later.json, { calls: [] });
  const junk = await hawkFetch(server, b.creds, 'GET', '/v1/calls?version=abc');
  assert.deepEqual(junk.json, { calls: [] });
  const empty = await hawkFetch(server, b.creds, 'GET', '/v1/calls?version=');
  assert.equal(empty.json.calls.length, 1);
  // The caller is not a callee of its own call.
  assert.deepEqual((await hawkFetch(server, a.creds, 'GET', '/v1/calls?version=0')).json, { calls: [] });
});

test('calleeId arrays: strings and +number objects; unusable elements ignored', async () => {
  const b = await callee(server, '+33612345678');
  const a = await register(server, { identity: 'arr@example.com' });
  const body = { calleeId: [{ phoneNumber: ' +33 6 12 34 56 78 ' }, { phoneNumber: '0612' }, 42, null], callType: 'audio' };
  const r = await hawkFetch(server, a.creds, 'POST', '/v1/calls', { body });
  assert.equal(r.status, 200, r.text);
  const listed = await hawkFetch(server, b.creds, 'GET', '/v1/calls?version=0');
  assert.equal(listed.json.calls.length, 1);
});

test('POST /calls/{token}: the call-URL owner gets the call with the URL fields and a push', async () => {
  const owner = await callee(server);
  const made = await hawkFetch(server, owner.creds, 'POST', '/v1/call-url', { body: { callerId: 'web caller', issuer: 'Owner' } });
  const token = made.json.callToken;
  const missing = await send(server, 'POST', `/v1/calls/${token}`, {});
  assert.deepEqual(missing.json, { code: 400, errno: 108, error: 'Missing: callType' });
  const html = await send(server, 'POST', `/v1/calls/${token}`, { callType: 'audio' }, { Accept: 'text/html' });
  assert.equal(html.status, 406);
  const count = capture.requests.length;
  const r = await send(server, 'POST', `/v1/calls/${token}`, { callType: 'audio' }, { Authorization: 'Hawk garbage' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.res.headers.get('server-authorization'), null);
  await capture.waitFor(count + 1);
  assert.ok(capture.requests.some((p) => p.path === owner.path));
  const listed = await hawkFetch(server, owner.creds, 'GET', '/v1/calls?version=0');
  const call = listed.json.calls.find((c: { callId: string }) => c.callId === r.json.callId);
  assert.ok(call);
  assert.equal(call.callToken, token);
  assert.equal(call.callUrl, `${server.url}/c/${token}`);
  assert.equal(call.call_url, call.callUrl);
  assert.equal(call.callerId, 'web caller');
  assert.equal(typeof call.urlCreationDate, 'number');
});

test('DELETE /account empties the call list and the call URLs of the user', async () => {
  const b = await callee(server);
  const other = await register(server, { identity: b.email });
  const a = await register(server, { identity: 'acc@example.com' });
  await hawkFetch(server, b.creds, 'POST', '/v1/call-url', { body: { callerId: 'x' } });
  await hawkFetch(server, a.creds, 'POST', '/v1/calls', { body: { calleeId: b.email, callType: 'audio' } });
  assert.equal((await hawkFetch(server, b.creds, 'DELETE', '/v1/account')).status, 204);
  assert.deepEqual((await hawkFetch(server, other.creds, 'GET', '/v1/calls?version=0')).json, { calls: [] });
  assert.deepEqual((await hawkFetch(server, other.creds, 'GET', '/v1/call-url')).json, []);
  // The user's push URLs are gone too: it can no longer be called.
  const again = await hawkFetch(server, a.creds, 'POST', '/v1/calls', { body: { calleeId: b.email, callType: 'audio' } });
  assert.equal(again.json.errno, 122);
});

test('§17.42 (short timers) a call is no longer listed after callDuration', async () => {
  const b = await callee(short);
  const a = await register(short, { identity: 'shorta@example.com' });
  const r = await hawkFetch(short, a.creds, 'POST', '/v1/calls', { body: { calleeId: b.email, callType: 'audio' } });
  assert.equal(r.status, 200);
  assert.equal((await hawkFetch(short, b.creds, 'GET', '/v1/calls?version=0')).json.calls.length, 1);
  await new Promise((resolve) => setTimeout(resolve, 1200));
  assert.deepEqual((await hawkFetch(short, b.creds, 'GET', '/v1/calls?version=0')).json, { calls: [] });
});
