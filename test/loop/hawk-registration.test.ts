import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Hawk from 'hawk';
import type { TestServer } from '../helpers/server.ts';
import { assertServerAuthorization, credentialsOf, hawkFetch, register, send, startLoopServer } from '../helpers/loop.ts';

let server: TestServer;
before(async () => {
  server = await startLoopServer();
});
after(() => server.close());

const nowSec = () => Math.floor(Date.now() / 1000);

test('§17.12 anonymous POST /v1/registration mints a 64-hex session token, exposed', async () => {
  const r = await send(server, 'POST', '/v1/registration', {});
  assert.equal(r.status, 200);
  assert.equal(r.text, '');
  assert.equal(r.res.headers.get('content-length'), '0');
  assert.match(r.res.headers.get('hawk-session-token') ?? '', /^[0-9a-f]{64}$/);
  assert.equal(r.res.headers.get('access-control-expose-headers'), 'Hawk-Session-Token');
  assert.equal(r.res.headers.get('server-authorization'), null);
});

test('§17.13 derived credentials authenticate; the response is signed (§3.5); §17.21 unprefixed too', async () => {
  const { creds } = await register(server);
  for (const path of ['/v1/call-url', '/call-url']) {
    const r = await hawkFetch(server, creds, 'GET', path);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, []);
    assertServerAuthorization(r, creds);
    assert.doesNotMatch(r.res.headers.get('server-authorization') ?? '', /hash=|ext=/);
  }
});

test('a signed error after authentication is signed too', async () => {
  const { creds } = await register(server);
  const r = await hawkFetch(server, creds, 'DELETE', '/v1/call-url/AAAAAAAAAAA');
  assert.equal(r.status, 404);
  assertServerAuthorization(r, creds);
});

test('§17.15 a stale timestamp is 401 with ts and an authenticable tsm', async () => {
  const { creds } = await register(server);
  const r = await hawkFetch(server, creds, 'GET', '/v1/call-url', { offsetMs: -120_000 });
  assert.equal(r.status, 401);
  const www = r.res.headers.get('www-authenticate') ?? '';
  assert.match(www, /error="Stale timestamp"/);
  const ts = Number(/ts="(\d+)"/.exec(www)?.[1]);
  assert.ok(Math.abs(ts - nowSec()) <= 5);
  const tsm = /tsm="([^"]+)"/.exec(www)?.[1];
  assert.equal(tsm, Hawk.crypto.calculateTsMac(String(ts), creds));
  assert.equal(r.json.errno, 110);
  assert.equal(r.json.error.message, 'Stale timestamp');
  assert.ok(r.res.headers.get('timestamp'), '§17.20 a 401 carries Timestamp');
  assert.equal(r.res.headers.get('server-authorization'), null);
});

test('§17.16 a wrong MAC is 401 Bad mac, errno 110 (before the stale check)', async () => {
  const { creds } = await register(server);
  const wrong = { ...creds, key: creds.key.replace(/^./, (c) => (c === 'a' ? 'b' : 'a')) };
  for (const offsetMs of [0, -120_000]) {
    const r = await hawkFetch(server, wrong, 'GET', '/v1/call-url', { offsetMs });
    assert.equal(r.status, 401);
    assert.equal(r.res.headers.get('www-authenticate'), 'Hawk error="Bad mac"');
    assert.equal(r.json.errno, 110);
    assert.deepEqual(r.json.error, { statusCode: 401, error: 'Unauthorized', message: 'Bad mac', attributes: { error: 'Bad mac' } });
  }
});

test('§17.17 an unknown id is 401 Unknown credentials', async () => {
  const creds = credentialsOf('ab'.repeat(32));
  const r = await hawkFetch(server, creds, 'GET', '/v1/call-url');
  assert.equal(r.status, 401);
  assert.equal(r.res.headers.get('www-authenticate'), 'Hawk error="Unknown credentials"');
  assert.equal(r.json.code, 401);
});

test('§17.18 bad Hawk headers: missing nonce, unknown attribute, duplicates, bad Host → 400 errno 110', async () => {
  const { creds } = await register(server);
  const good = (await hawkFetch(server, creds, 'GET', '/v1/call-url')).authorization;
  const cases = [
    good.replace(/, nonce="[^"]+"/, ''),
    `${good}, foo="bar"`,
    good.replace(/ts="/, 'ts="1", ts="'),
    'Hawk',
    'Hawk id="x" ts=1',
  ];
  for (const authorization of cases) {
    const r = await send(server, 'GET', '/v1/call-url', undefined, { Authorization: authorization });
    assert.equal(r.status, 400, authorization);
    assert.equal(r.json.errno, 110);
  }
  const missing = await send(server, 'GET', '/v1/call-url', undefined, { Authorization: cases[0] });
  assert.deepEqual(missing.json.error, { statusCode: 400, error: 'Bad Request', message: 'Missing attributes' });
});

test('a replayed nonce is refused with 401 Invalid nonce', async () => {
  const { creds } = await register(server);
  const first = await hawkFetch(server, creds, 'GET', '/v1/call-url');
  assert.equal(first.status, 200);
  const replay = await send(server, 'GET', '/v1/call-url', undefined, { Authorization: first.authorization });
  assert.equal(replay.status, 401);
  assert.equal(replay.res.headers.get('www-authenticate'), 'Hawk error="Invalid nonce"');
});

test('§17.19 no Authorization (or another scheme) on a Hawk endpoint: 401 WWW-Authenticate Hawk, errno 110', async () => {
  for (const headers of [{}, { Authorization: 'Basic eDp5' }] as Record<string, string>[]) {
    const r = await send(server, 'GET', '/v1/call-url', undefined, headers);
    assert.equal(r.status, 401);
    assert.equal(r.res.headers.get('www-authenticate'), 'Hawk');
    assert.deepEqual(r.json, { code: 401, errno: 110, error: { statusCode: 401, error: 'Unauthorized' } });
  }
});

test('§17.22 an unsupported scheme on /registration is 401 Unsupported', async () => {
  const r = await send(server, 'POST', '/v1/registration', {}, { Authorization: 'Foo bar' });
  assert.equal(r.status, 401);
  assert.deepEqual(r.json, { code: 401, errno: 110, error: 'Unsupported' });
  assert.equal(r.res.headers.get('www-authenticate'), 'BrowserID,Hawk error="Unsupported"');
});

test('§17.23 push URL validation', async () => {
  const cases: [unknown, string][] = [
    [{ simplePushURL: 'not-an-url' }, 'simplePushURLs.calls should be a valid url'],
    [{ simplePushURLs: { rooms: 42 } }, 'simplePushURLs.rooms should be a valid url'],
    [{ simplePushURLs: { calls: 'http://a', chat: 'http://b' } }, 'chat should be one of calls, rooms'],
    [{ simple_push_url: 'ftp://x' }, 'simplePushURLs.calls should be a valid url'],
    [{ simplePushURLs: 'http://x' }, 'simplePushURLs should be an object'],
  ];
  for (const [body, error] of cases) {
    const r = await send(server, 'POST', '/v1/registration', body);
    assert.deepEqual(r.json, { code: 400, errno: 107, error }, JSON.stringify(body));
  }
  const query = await send(server, 'POST', '/v1/registration?simplePushURL=nope', {});
  assert.equal(query.json.error, 'simplePushURLs.calls should be a valid url');
});

test('§17.24 Accept: text/html is 406, even with an empty body', async () => {
  const r = await send(server, 'POST', '/v1/registration', undefined, { Accept: 'text/html' });
  assert.equal(r.status, 406);
  assert.deepEqual(r.json, { code: 406, errno: 106, error: 'Request body should be defined as application/json' });
  const ok = await send(server, 'POST', '/v1/registration', {}, { Accept: 'application/*' });
  assert.equal(ok.status, 200);
});

test('§17.25 BrowserID fake:<email> mints a new linked session, unsigned', async () => {
  const r = await send(server, 'POST', '/v1/registration', {}, { Authorization: 'BrowserID fake:a@example.com' });
  assert.equal(r.status, 200);
  assert.match(r.res.headers.get('hawk-session-token') ?? '', /^[0-9a-f]{64}$/);
  assert.equal(r.res.headers.get('server-authorization'), null);
  const bad = await send(server, 'POST', '/v1/registration', {}, { Authorization: 'BrowserID nope' });
  assert.equal(bad.status, 401);
  assert.equal(bad.json.errno, 110);
});

test('Hawk-authenticated registration adds push URLs to this session, no new token', async () => {
  const { creds } = await register(server);
  const r = await hawkFetch(server, creds, 'POST', '/v1/registration', { body: { simplePushURLs: { calls: 'http://127.0.0.1:1/x' } } });
  assert.equal(r.status, 200);
  assert.equal(r.res.headers.get('hawk-session-token'), null);
  assertServerAuthorization(r, creds);
});

test('§17.26 DELETE /session with an anonymous session is 403', async () => {
  const { creds } = await register(server);
  const r = await hawkFetch(server, creds, 'DELETE', '/v1/session');
  assert.equal(r.status, 403);
  assert.deepEqual(r.json, { code: 403, errno: 110, error: 'You should be a registered user to perform this action.' });
});

test('§17.27 DELETE /session of a registered session is 204, then Unknown credentials', async () => {
  const { creds } = await register(server, { identity: 'del@example.com' });
  const r = await hawkFetch(server, creds, 'DELETE', '/v1/session');
  assert.equal(r.status, 204);
  assert.equal(r.res.headers.get('timestamp'), null);
  const after = await hawkFetch(server, creds, 'GET', '/v1/call-url');
  assert.equal(after.status, 401);
  assert.equal(after.res.headers.get('www-authenticate'), 'Hawk error="Unknown credentials"');
});

test('§17.28 DELETE /account is 204 and the credentials stop working', async () => {
  const { creds } = await register(server);
  assert.equal((await hawkFetch(server, creds, 'DELETE', '/v1/account')).status, 204);
  assert.equal((await hawkFetch(server, creds, 'GET', '/v1/call-url')).status, 401);
});

test('§17.29 DELETE /registration is 204 even with nothing registered', async () => {
  const { creds } = await register(server);
  const r = await hawkFetch(server, creds, 'DELETE', '/v1/registration');
  assert.equal(r.status, 204);
  assertServerAuthorization(r, creds);
});

test('bodies: malformed JSON 400, non-object JSON 400, 200 KiB 413, form bodies parsed, other types ignored', async () => {
  assert.equal((await send(server, 'POST', '/v1/registration', '{"a":')).status, 400);
  assert.equal((await send(server, 'POST', '/v1/registration', '"text"')).status, 400);
  const big = await send(server, 'POST', '/v1/registration', JSON.stringify({ pad: 'x'.repeat(200 * 1024) }));
  assert.equal(big.status, 413);
  assert.deepEqual(big.json, { code: 413, errno: 113, error: 'Request Entity Too Large' });
  const form = await send(server, 'POST', '/v1/registration', 'simplePushURL=nope', { 'Content-Type': 'application/x-www-form-urlencoded' });
  assert.equal(form.json.error, 'simplePushURLs.calls should be a valid url');
  const text = await send(server, 'POST', '/v1/registration', '{bad', { 'Content-Type': 'text/plain' });
  assert.equal(text.status, 200);
});
