import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestServer } from '../helpers/server.ts';
import { credentialsOf, hawkFetch, register, send, startLoopServer } from '../helpers/loop.ts';

let server: TestServer;
let fake: TestServer;
let noOAuth: TestServer;
let analytics: TestServer;
before(async () => {
  server = await startLoopServer();
  fake = await startLoopServer({ fxaOAuth: { provider: 'fake', client_id: 'cid' } });
  noOAuth = await startLoopServer({ fxaOAuth: { activated: false } });
  analytics = await startLoopServer({ analytics: { mode: 'log' } });
});
after(async () => {
  for (const s of [server, fake, noOAuth, analytics]) await s.close();
});

async function oauthSession(s: TestServer) {
  const r = await send(s, 'POST', '/v1/fxa-oauth/params');
  assert.equal(r.status, 200, r.text);
  const token = r.res.headers.get('hawk-session-token');
  assert.ok(token);
  return { creds: credentialsOf(token), params: r.json };
}

test('§17.76 fxa-oauth: a /registration session is refused; /params mints a session with a stable state', async () => {
  const { creds: plain } = await register(server);
  const refused = await hawkFetch(server, plain, 'GET', '/v1/fxa-oauth/token');
  assert.equal(refused.status, 401);
  assert.equal(refused.res.headers.get('www-authenticate'), 'Hawk error="Unknown credentials"');
  assert.equal(refused.res.headers.get('server-authorization'), null);
  assert.equal((await hawkFetch(server, plain, 'POST', '/v1/fxa-oauth/params')).status, 401);

  const { creds, params } = await oauthSession(server);
  assert.match(params.state, /^[0-9a-f]{64}$/);
  assert.equal(params.redirect_uri, 'urn:ietf:wg:oauth:2.0:fx:webchannel');
  assert.equal(params.scope, 'profile');
  assert.equal(params.oauth_uri, 'https://oauth.accounts.firefox.com/v1');
  const again = await hawkFetch(server, creds, 'POST', '/v1/fxa-oauth/params');
  assert.equal(again.status, 200);
  assert.equal(again.json.state, params.state);
  assert.equal(again.res.headers.get('hawk-session-token'), null);
  const token = await hawkFetch(server, creds, 'GET', '/v1/fxa-oauth/token');
  assert.deepEqual(token.json, {});
  // Quirk: a non-Hawk scheme on /params mints a new session.
  const basic = await send(server, 'POST', '/v1/fxa-oauth/params', undefined, { Authorization: 'Basic eDp5' });
  assert.equal(basic.status, 200);
  assert.ok(basic.res.headers.get('hawk-session-token'));
});

test('§17.77 a wrong state is 400 errno 114 and uses the state up', async () => {
  const { creds, params } = await oauthSession(server);
  const wrong = await hawkFetch(server, creds, 'POST', '/v1/fxa-oauth/token', { body: { state: 'nope', code: 'c' } });
  assert.deepEqual(wrong.json, { code: 400, errno: 114, error: 'Invalid OAuth state' });
  const old = await hawkFetch(server, creds, 'POST', '/v1/fxa-oauth/token', { body: { state: params.state, code: 'c' } });
  assert.deepEqual(old.json, { code: 400, errno: 114, error: 'Invalid OAuth state' });
  const missing = await hawkFetch(server, creds, 'POST', '/v1/fxa-oauth/token', { body: {} });
  assert.deepEqual(missing.json, { code: 400, errno: 108, error: 'Missing: state, code' });
});

test('remote mode without client credentials answers 503 errno 201 with Retry-After', async () => {
  const { creds } = await oauthSession(server);
  const state = (await hawkFetch(server, creds, 'POST', '/v1/fxa-oauth/params')).json.state;
  const r = await hawkFetch(server, creds, 'POST', '/v1/fxa-oauth/token', { body: { state, code: 'c' } });
  assert.equal(r.status, 503);
  assert.equal(r.json.errno, 201);
  assert.equal(r.res.headers.get('retry-after'), '30');
});

test('fake OAuth: the code logs the session in as that email, which can then place calls', async () => {
  const { creds, params } = await oauthSession(fake);
  assert.equal(params.client_id, 'cid');
  const r = await hawkFetch(fake, creds, 'POST', '/v1/fxa-oauth/token', { body: { state: params.state, code: 'fake:o@example.com' } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.token_type, 'bearer');
  assert.equal(r.json.scope, 'profile');
  const token = await hawkFetch(fake, creds, 'GET', '/v1/fxa-oauth/token');
  assert.deepEqual(token.json, { access_token: r.json.access_token });
  // Now registered: DELETE /session is allowed (not 403).
  assert.equal((await hawkFetch(fake, creds, 'DELETE', '/v1/session')).status, 204);
});

test('with fxaOAuth.activated false the endpoints do not exist and GET / says so', async () => {
  assert.equal((await send(noOAuth, 'POST', '/v1/fxa-oauth/params')).status, 404);
  assert.equal((await send(noOAuth, 'POST', '/fxa-oauth/params')).status, 307);
  assert.equal((await send(noOAuth, 'GET', '/v1/')).json.fxaOAuth, false);
});

test('§17.74 POST /event: params before auth, then Hawk, then 405 when analytics are off', async () => {
  const missing = await send(server, 'POST', '/v1/event', {});
  assert.deepEqual(missing.json, { code: 400, errno: 108, error: 'Missing: event, action, label' });
  const body = { event: 'e', action: 'a', label: 'l' };
  assert.equal((await send(server, 'POST', '/v1/event', body)).status, 401);
  const { creds } = await register(server);
  const off = await hawkFetch(server, creds, 'POST', '/v1/event', { body });
  assert.equal(off.status, 405);
  assert.deepEqual(off.json, { code: 405, errno: 999, error: 'Google Analytics events are not configured for this server.' });
  const { creds: c2 } = await register(analytics);
  assert.equal((await hawkFetch(analytics, c2, 'POST', '/v1/event', { body })).status, 204);
});
