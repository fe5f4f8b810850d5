import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FakeFxaOAuthClient, RemoteFxaOAuthClient } from '../../../src/loop/external/fxa-oauth.ts';
import { DEFAULT_FXA_OAUTH_OPTIONS, type FxaOAuthOptions } from '../../../src/loop/external/options.ts';
import { OutboundClient } from '../../../src/net/outbound-http.ts';
import { captureLog, deadUrl, json, startLocalServer, testOutbound, type LocalServer } from './local-server.ts';

const UNAVAILABLE = { ok: false, status: 503, errno: 201, error: 'Service Unavailable' };

type Reply = { status: number; body: unknown; type?: string };
let tokenReply: () => Reply = () => ({ status: 200, body: { access_token: 'tok-1', token_type: 'bearer', scope: 'profile' } });
let profileReply: () => Reply = () => ({ status: 200, body: { email: 'alice@example.com', uid: 'abc' } });

let oauth: LocalServer;
let profile: LocalServer;
const send = (res: import('node:http').ServerResponse, r: Reply) => {
  if (typeof r.body === 'string') res.writeHead(r.status, { 'Content-Type': r.type ?? 'text/html' }).end(r.body);
  else json(res, r.status, r.body);
};
before(async () => {
  oauth = await startLocalServer((_req, res) => send(res, tokenReply()));
  profile = await startLocalServer((_req, res) => send(res, profileReply()));
});
after(async () => {
  await oauth.close();
  await profile.close();
});

function remote(extra: Partial<FxaOAuthOptions> = {}) {
  const { log } = captureLog();
  return new RemoteFxaOAuthClient(
    { ...DEFAULT_FXA_OAUTH_OPTIONS, client_id: 'cid', client_secret: 'csecret', oauth_uri: `${oauth.url}/v1`, profile_uri: `${profile.url}/v1`, ...extra },
    log,
    testOutbound(log),
  );
}

test('remote: POST {oauth_uri}/token with the code and client credentials, then GET {profile_uri}/profile with the bearer', async () => {
  const c = remote();
  assert.equal(c.mode, 'remote');
  const t0 = oauth.requests.length;
  const p0 = profile.requests.length;
  const out = await c.exchange('the-code');
  assert.deepEqual(out, { ok: true, tokenType: 'bearer', accessToken: 'tok-1', scope: 'profile', email: 'alice@example.com' });
  const tokenReq = oauth.requests[t0];
  assert.equal(tokenReq.method, 'POST');
  assert.equal(tokenReq.url, '/v1/token');
  assert.equal(tokenReq.headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(tokenReq.body), { code: 'the-code', client_id: 'cid', client_secret: 'csecret' });
  const profileReq = profile.requests[p0];
  assert.equal(profileReq.method, 'GET');
  assert.equal(profileReq.url, '/v1/profile');
  assert.equal(profileReq.headers.authorization, 'Bearer tok-1');
});

test('remote: missing client_id or client_secret → 503 errno 201 without any call', async () => {
  const before = oauth.requests.length;
  assert.deepEqual(await remote({ client_id: undefined }).exchange('c'), UNAVAILABLE);
  assert.deepEqual(await remote({ client_secret: undefined }).exchange('c'), UNAVAILABLE);
  assert.equal(oauth.requests.length, before);
});

test('remote: profile body not JSON → 503 errno 106 with the parse error and the body', async () => {
  profileReply = () => ({ status: 200, body: '<html>oops</html>' });
  try {
    const out = await remote().exchange('c');
    assert.equal(out.ok, false);
    if (out.ok) return;
    assert.equal(out.status, 503);
    assert.equal(out.errno, 106);
    assert.match(out.error, /^SyntaxError: .+ JSON: <html>oops<\/html>$/);
  } finally {
    profileReply = () => ({ status: 200, body: { email: 'alice@example.com' } });
  }
});

test('remote: profile without email → 503 errno 201 with the original message', async () => {
  for (const body of [{ uid: 'x' }, { email: '' }, { code: 401, errno: 110, message: 'Unauthorized' }]) {
    profileReply = () => ({ status: 200, body });
    assert.deepEqual(await remote().exchange('c'), {
      ok: false, status: 503, errno: 201, error: 'email not found in the oauth server request. [object Object]',
    });
  }
  profileReply = () => ({ status: 200, body: 'null', type: 'application/json' });
  assert.deepEqual(await remote().exchange('c'), { ok: false, status: 503, errno: 201, error: 'email not found in the oauth server request. null' });
  profileReply = () => ({ status: 200, body: { email: 'alice@example.com' } });
});

test('remote: token endpoint refusing the code (no access_token) → 503 errno 201, no profile call', async () => {
  const p0 = profile.requests.length;
  for (const reply of [
    { status: 400, body: { code: 400, errno: 105, message: 'Unknown code' } },
    { status: 200, body: 'not json' },
    { status: 200, body: { access_token: 5 } },
  ]) {
    tokenReply = () => reply;
    assert.deepEqual(await remote().exchange('c'), UNAVAILABLE, JSON.stringify(reply));
  }
  assert.equal(profile.requests.length, p0);
  tokenReply = () => ({ status: 200, body: { access_token: 'tok-1', token_type: 'bearer', scope: 'profile' } });
});

test('remote: network failure or timeout of either call → 503 errno 201 Service Unavailable', async () => {
  const dead = await deadUrl();
  assert.deepEqual(await remote({ oauth_uri: dead }).exchange('c'), UNAVAILABLE);
  assert.deepEqual(await remote({ profile_uri: dead }).exchange('c'), UNAVAILABLE);
  const silent = await startLocalServer(() => {});
  try {
    assert.deepEqual(await remote({ profile_uri: silent.url, timeoutMs: 50 }).exchange('c'), UNAVAILABLE);
    assert.deepEqual(await remote({ oauth_uri: silent.url, timeoutMs: 50 }).exchange('c'), UNAVAILABLE);
  } finally {
    await silent.close();
  }
});

test('fake: fake:<email> gives a random bearer token with the configured scope; other codes → 503 errno 201', async () => {
  const c = new FakeFxaOAuthClient({ scope: 'profile:email' });
  assert.equal(c.mode, 'fake');
  const a = await c.exchange('fake:alice@example.com');
  const b = await c.exchange('fake:alice@example.com');
  assert.ok(a.ok && b.ok);
  assert.equal(a.tokenType, 'bearer');
  assert.equal(a.scope, 'profile:email');
  assert.equal(a.email, 'alice@example.com');
  assert.match(a.accessToken, /^[0-9a-f]{64}$/);
  assert.notEqual(a.accessToken, b.accessToken);
  for (const bad of ['', 'fake:', 'fake:alice', 'alice@example.com', 'FAKE:alice@example.com', 'fake:a b@c']) {
    assert.deepEqual(await c.exchange(bad), UNAVAILABLE, bad);
  }
});

test('remote: a token endpoint answering a redirect (even with an access_token) → 503, the redirect not followed', async () => {
  const p0 = profile.requests.length;
  const mover = await startLocalServer((_req, res) => json(res, 302, { access_token: 'tok-redirected' }));
  try {
    assert.deepEqual(await remote({ oauth_uri: `${mover.url}/v1` }).exchange('c'), UNAVAILABLE);
    assert.equal(mover.requests.length, 1);
    assert.equal(profile.requests.length, p0, 'no profile call');
  } finally {
    await mover.close();
  }
});

test('remote: endpoints on refused addresses (no OUTBOUND_ALLOW) → 503 errno 201, nothing sent', async () => {
  const { log, lines } = captureLog();
  const strict = new RemoteFxaOAuthClient(
    { ...DEFAULT_FXA_OAUTH_OPTIONS, client_id: 'cid', client_secret: 'csecret', oauth_uri: `${oauth.url}/v1`, profile_uri: `${profile.url}/v1` },
    log,
    new OutboundClient({ log }),
  );
  const t0 = oauth.requests.length;
  assert.deepEqual(await strict.exchange('c'), UNAVAILABLE);
  assert.equal(oauth.requests.length, t0);
  assert.equal(lines.filter((l) => l.level === 40 && l.range === 'loopback').length, 1);
});
