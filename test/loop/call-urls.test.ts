import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestServer } from '../helpers/server.ts';
import { hawkFetch, register, send, startLoopServer } from '../helpers/loop.ts';

let server: TestServer;
let closed: TestServer;
before(async () => {
  server = await startLoopServer();
  closed = await startLoopServer({ callUrls: { allowCreate: false } });
});
after(async () => {
  await server.close();
  await closed.close();
});

const nowSec = () => Math.floor(Date.now() / 1000);

test('§17.30 POST /call-url creates a call URL; without callerId 400 108; disabled 405 errno 204', async () => {
  const { creds } = await register(server);
  const r = await hawkFetch(server, creds, 'POST', '/v1/call-url', { body: { callerId: 'alice' } });
  assert.equal(r.status, 200, r.text);
  assert.match(r.json.callToken, /^[A-Za-z0-9_-]{11}$/);
  // no callUrls.webAppUrl set: call URLs point at the address the server listens on
  assert.equal(r.json.callUrl, `${server.url}/c/${r.json.callToken}`);
  assert.equal(r.json.call_url, r.json.callUrl);
  assert.ok(Math.abs(r.json.expiresAt - (nowSec() + 720 * 3600)) <= 5);
  const missing = await hawkFetch(server, creds, 'POST', '/v1/call-url', { body: {} });
  assert.deepEqual(missing.json, { code: 400, errno: 108, error: 'Missing: callerId' });
  const { creds: other } = await register(closed);
  const off = await hawkFetch(closed, other, 'POST', '/v1/call-url', { body: { callerId: 'alice' } });
  assert.equal(off.status, 405);
  assert.deepEqual(off.json, { code: 405, errno: 204, error: 'No longer supported' });
});

test('expiresIn rules (§6.1): hours, max 720, NaN / 0 refused, numbers as strings accepted', async () => {
  const { creds } = await register(server);
  const post = (expiresIn: unknown) => hawkFetch(server, creds, 'POST', '/v1/call-url', { body: { callerId: 'a', expiresIn } });
  const one = await post('1 hour');
  assert.equal(one.status, 200);
  assert.ok(Math.abs(one.json.expiresAt - (nowSec() + 3600)) <= 5);
  assert.deepEqual((await post(721)).json, { code: 400, errno: 107, error: 'expiresIn should be less than 720' });
  for (const bad of ['abc', 0, -3]) {
    assert.deepEqual((await post(bad)).json, { code: 400, errno: 107, error: 'expiresIn should be a valid number' });
  }
  const wrongType = await hawkFetch(server, creds, 'POST', '/v1/call-url', { body: { callerId: { x: 1 } } });
  assert.equal(wrongType.status, 400);
  assert.equal(wrongType.json.errno, 107);
  const html = await hawkFetch(server, creds, 'POST', '/v1/call-url', { body: { callerId: 'a' }, headers: { Accept: 'text/html' } });
  assert.equal(html.status, 406);
});

test('§17.31 GET /call-url lists the user\'s call URLs; the issuer defaults to the identity', async () => {
  const { creds } = await register(server, { identity: 'lister@example.com' });
  const empty = await hawkFetch(server, creds, 'GET', '/v1/call-url');
  assert.deepEqual(empty.json, []);
  await hawkFetch(server, creds, 'POST', '/v1/call-url', { body: { callerId: 'alice', subject: 'hi' } });
  const list = await hawkFetch(server, creds, 'GET', '/v1/call-url');
  assert.equal(list.json.length, 1);
  assert.deepEqual(Object.keys(list.json[0]).sort(), ['callerId', 'expires', 'issuer', 'subject', 'timestamp']);
  assert.equal(list.json[0].issuer, 'lister@example.com');
  // Another session of the same identity sees it; an anonymous session does not.
  const { creds: second } = await register(server, { identity: 'LISTER@example.com' });
  assert.equal((await hawkFetch(server, second, 'GET', '/v1/call-url')).json.length, 1);
});

test('§17.32 unknown tokens are 404 errno 105 everywhere', async () => {
  const { creds } = await register(server);
  const expected = { code: 404, errno: 105, error: 'Token not found.' };
  assert.deepEqual((await send(server, 'GET', '/v1/calls/AAAAAAAAAAA')).json, expected);
  assert.deepEqual((await send(server, 'POST', '/v1/calls/AAAAAAAAAAA', { callType: 'audio' })).json, expected);
  assert.deepEqual((await hawkFetch(server, creds, 'PUT', '/v1/call-url/AAAAAAAAAAA', { body: {} })).json, expected);
  assert.deepEqual((await hawkFetch(server, creds, 'DELETE', '/v1/call-url/AAAAAAAAAAA')).json, expected);
});

test('PUT /call-url/{token} replaces the fields; another user gets 404 Not Found., DELETE 403', async () => {
  const { creds } = await register(server);
  const made = await hawkFetch(server, creds, 'POST', '/v1/call-url', { body: { callerId: 'a', issuer: 'Me', subject: 's' } });
  const token = made.json.callToken;
  const { creds: stranger } = await register(server);
  const notMine = await hawkFetch(server, stranger, 'PUT', `/v1/call-url/${token}`, { body: {} });
  assert.deepEqual(notMine.json, { code: 404, errno: 105, error: 'Not Found.' });
  const badHours = await hawkFetch(server, stranger, 'PUT', `/v1/call-url/${token}`, { body: { expiresIn: 'x' } });
  assert.equal(badHours.json.error, 'expiresIn should be a valid number', 'expiresIn is checked before ownership');
  const put = await hawkFetch(server, creds, 'PUT', `/v1/call-url/${token}`, { body: { expiresIn: 2, callerId: 'b' } });
  assert.equal(put.status, 200);
  assert.ok(Math.abs(put.json.expiresAt - (nowSec() + 7200)) <= 5);
  const info = await send(server, 'GET', `/v1/calls/${token}`);
  assert.equal(info.status, 200);
  assert.deepEqual(Object.keys(info.json).sort(), ['calleeFriendlyName', 'urlCreationDate']);
  assert.equal(info.json.calleeFriendlyName, '');
  const forbidden = await hawkFetch(server, stranger, 'DELETE', `/v1/call-url/${token}`);
  assert.deepEqual(forbidden.json, { code: 403, errno: 110, error: 'Forbidden' });
  assert.equal((await hawkFetch(server, creds, 'DELETE', `/v1/call-url/${token}`)).status, 204);
  assert.equal((await send(server, 'GET', `/v1/calls/${token}`)).status, 404);
});

test('GET /calls/{token} shows the issuer, creation date and subject', async () => {
  const { creds } = await register(server);
  const made = await hawkFetch(server, creds, 'POST', '/v1/call-url', { body: { callerId: 'a', issuer: 'Bob', subject: 'Hello' } });
  const info = await send(server, 'GET', `/calls/${made.json.callToken}`, undefined, { Authorization: 'Hawk id="ignored"' });
  assert.equal(info.status, 200);
  assert.equal(info.json.calleeFriendlyName, 'Bob');
  assert.equal(info.json.subject, 'Hello');
  assert.ok(Math.abs(info.json.urlCreationDate - nowSec()) <= 5);
});
