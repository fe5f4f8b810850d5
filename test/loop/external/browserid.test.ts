import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  FakeBrowserIdVerifier, OffBrowserIdVerifier, RemoteBrowserIdVerifier, assertionAudience,
} from '../../../src/loop/external/browserid.ts';
import { DEFAULT_BROWSERID_OPTIONS, type BrowserIdOptions } from '../../../src/loop/external/options.ts';
import { OutboundClient } from '../../../src/net/outbound-http.ts';
import { captureLog, deadUrl, json, startLocalServer, testOutbound, type LocalServer } from './local-server.ts';

const AUDIENCE = 'app://loop.firefox';

/** A backed assertion's shape: cert~sig, then payload.sig; the 4th dot segment holds the assertion's claims (`aud`). */
function assertion(claims: unknown): string {
  const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64');
  return `${b64({ alg: 'RS256' })}.${b64({ principal: { email: 'x@y' } })}.c2ln~${b64({ alg: 'RS256' })}.${b64(claims)}.c2ln`;
}

/** What the verifier answers next. */
let answer: (body: Record<string, unknown>) => { status: number; body: unknown } = () => ({ status: 200, body: {} });
let verifierServer: LocalServer;
before(async () => {
  verifierServer = await startLocalServer((req, res) => {
    const { status, body } = answer(JSON.parse(req.body));
    if (typeof body === 'string') res.writeHead(status, { 'Content-Type': 'text/html' }).end(body);
    else json(res, status, body);
  });
});
after(() => verifierServer.close());

function remote(extra: Partial<BrowserIdOptions> = {}) {
  const { log } = captureLog();
  return new RemoteBrowserIdVerifier(
    { ...DEFAULT_BROWSERID_OPTIONS, browserid: 'remote', fxaAudiences: [AUDIENCE], fxaVerifier: `${verifierServer.url}/v2`, fxaTrustedIssuers: ['api.accounts.firefox.com'], ...extra },
    log,
    testOutbound(log),
  );
}

const okay = (idpClaims: unknown, issuer = 'api.accounts.firefox.com') => () => ({ status: 200, body: { status: 'okay', issuer, idpClaims, audience: AUDIENCE } });
const refusal = (error: string) => ({ ok: false, status: 401, errno: 110, error, wwwAuthenticate: `BrowserID error="${error}"` });
const UNAUTHORIZED = { ok: false, status: 401, errno: 110, error: 'Unauthorized', wwwAuthenticate: 'BrowserID' };

test('off: every BrowserID header is refused as not available', async () => {
  const v = new OffBrowserIdVerifier();
  assert.equal(v.mode, 'off');
  assert.deepEqual(await v.verify('BrowserID fake:alice@example.com'), refusal('BrowserID is not available'));
  assert.deepEqual(await v.verify(`BrowserID ${assertion({ aud: AUDIENCE })}`), refusal('BrowserID is not available'));
});

test('fake: fake:<email> and fake:+digits are that identity; anything else is refused', async () => {
  const v = new FakeBrowserIdVerifier();
  assert.equal(v.mode, 'fake');
  assert.deepEqual(await v.verify('BrowserID fake:alice@example.com'), { ok: true, identity: 'alice@example.com' });
  assert.deepEqual(await v.verify('BrowserID fake:+33612345678'), { ok: true, identity: '+33612345678' });
  assert.deepEqual(await v.verify('browserid fake:bob@example.org'), { ok: true, identity: 'bob@example.org' });
  for (const bad of ['BrowserID fake:', 'BrowserID fake:bob', 'BrowserID fake:+33x', 'BrowserID alice@example.com', 'BrowserID real.assertion.here']) {
    assert.deepEqual(await v.verify(bad), UNAUTHORIZED, bad);
  }
  for (const badHeader of ['BrowserID', 'BrowserID  fake:a@b', 'BrowserID fake:a@b extra', 'Hawk fake:a@b']) {
    assert.deepEqual(await v.verify(badHeader), UNAUTHORIZED, badHeader);
  }
});

test('remote: the assertion and its audience are POSTed; email, else MSISDN, is the identity', async () => {
  const v = remote();
  assert.equal(v.mode, 'remote');
  const a = assertion({ aud: AUDIENCE, exp: 1 });
  answer = okay({ 'fxa-verifiedEmail': 'alice@example.com', verifiedMSISDN: '+331234' });
  const before = verifierServer.requests.length;
  assert.deepEqual(await v.verify(`BrowserID ${a}`), { ok: true, identity: 'alice@example.com' });
  const req = verifierServer.requests[before];
  assert.equal(req.method, 'POST');
  assert.equal(req.url, '/v2');
  assert.equal(req.headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(req.body), { audience: AUDIENCE, assertion: a });

  answer = okay({ verifiedMSISDN: '+331234' });
  assert.deepEqual(await v.verify(`BrowserID ${a}`), { ok: true, identity: '+331234' });
});

test('remote: audience unreadable → Malformed audience; not listed → Invalid audience (no verifier call)', async () => {
  const v = remote();
  const before = verifierServer.requests.length;
  for (const bad of ['abc', 'a.b.c', `a.b.c.${Buffer.from('not json').toString('base64')}`, `a.b.c.${Buffer.from('null').toString('base64')}`]) {
    assert.deepEqual(await v.verify(`BrowserID ${bad}`), refusal('Malformed audience'), bad);
  }
  assert.deepEqual(await v.verify(`BrowserID ${assertion({ aud: 'https://evil.example' })}`), refusal('Invalid audience'));
  assert.deepEqual(await v.verify(`BrowserID ${assertion({ exp: 5 })}`), refusal('Invalid audience'));
  assert.equal(verifierServer.requests.length, before);
  assert.deepEqual(await v.verify('BrowserID a b'), UNAUTHORIZED);
  assert.equal(assertionAudience(assertion({ aud: 'x' })), 'x');
});

test('remote: status not okay → BrowserID / Unauthorized; untrusted issuer → Issuer is not trusted', async () => {
  const v = remote();
  const a = `BrowserID ${assertion({ aud: AUDIENCE })}`;
  answer = () => ({ status: 200, body: { status: 'failure', reason: 'assertion has expired' } });
  assert.deepEqual(await v.verify(a), UNAUTHORIZED);
  answer = () => ({ status: 200, body: { reason: 'no status at all' } });
  assert.deepEqual(await v.verify(a), UNAUTHORIZED);
  answer = okay({ 'fxa-verifiedEmail': 'alice@example.com' }, 'evil.example.com');
  assert.deepEqual(await v.verify(a), refusal('Issuer is not trusted'));
  answer = () => ({ status: 200, body: { status: 'okay', idpClaims: { 'fxa-verifiedEmail': 'alice@example.com' } } });
  assert.deepEqual(await v.verify(a), refusal('Issuer is not trusted'));
});

test('remote: verified but no identity → 400 errno 110 BrowserID assertion is invalid', async () => {
  const v = remote();
  const a = `BrowserID ${assertion({ aud: AUDIENCE })}`;
  const invalid = { ok: false, status: 400, errno: 110, error: 'BrowserID assertion is invalid' };
  for (const claims of [{}, { 'fxa-verifiedEmail': '' }, { verifiedMSISDN: 42 }, undefined, null]) {
    answer = okay(claims);
    assert.deepEqual(await v.verify(a), invalid, JSON.stringify(claims));
  }
});

test('remote: an empty or non-JSON answer → Verifier service unavailable: <url> returned a <status>', async () => {
  const v = remote();
  const a = `BrowserID ${assertion({ aud: AUDIENCE })}`;
  answer = () => ({ status: 502, body: '' });
  assert.deepEqual(await v.verify(a), refusal(`Verifier service unavailable: ${verifierServer.url}/v2 returned a 502`));
  answer = () => ({ status: 503, body: '<html>down</html>' });
  assert.deepEqual(await v.verify(a), refusal(`Verifier service unavailable: ${verifierServer.url}/v2 returned a 503`));
});

test('remote: network failure and timeout → 401 with the error text, header kept well-formed', async () => {
  const dead = remote({ fxaVerifier: `${await deadUrl()}/v2` });
  const a = `BrowserID ${assertion({ aud: AUDIENCE })}`;
  const refused = await dead.verify(a);
  assert.equal(refused.ok, false);
  if (refused.ok) return;
  assert.equal(refused.status, 401);
  assert.equal(refused.errno, 110);
  assert.match(refused.error, /ECONNREFUSED/);
  assert.equal(refused.wwwAuthenticate, `BrowserID error="${refused.error}"`);

  const silent = await startLocalServer(() => {});
  try {
    const slow = remote({ fxaVerifier: silent.url, verifierTimeoutMs: 50 });
    const timedOut = await slow.verify(a);
    assert.equal(timedOut.ok, false);
    if (!timedOut.ok) assert.match(timedOut.error, /timeout/i);
  } finally {
    await silent.close();
  }
});

test('refusal messages with quotes or line breaks keep the WWW-Authenticate header well-formed', async () => {
  const { browserIdRefusal } = await import('../../../src/loop/external/browserid.ts');
  const r = browserIdRefusal('say "hi"\r\nX-Injected: 1');
  assert.equal(r.error, 'say "hi"\r\nX-Injected: 1');
  assert.equal(r.wwwAuthenticate, 'BrowserID error="say \\"hi\\" X-Injected: 1"');
});

test('remote: a verifier answering a redirect is a failed verification; the redirect is not followed', async () => {
  const elsewhere = await startLocalServer((_req, res) => json(res, 200, { status: 'okay', issuer: 'api.accounts.firefox.com', idpClaims: { 'fxa-verifiedEmail': 'mallory@example.com' } }));
  const mover = await startLocalServer((_req, res) => res.writeHead(307, { Location: `${elsewhere.url}/v2` }).end());
  try {
    const v = remote({ fxaVerifier: `${mover.url}/v2` });
    const out = await v.verify(`BrowserID ${assertion({ aud: AUDIENCE })}`);
    assert.deepEqual(out, refusal(`Verifier service unavailable: ${mover.url}/v2 returned a 307`));
    assert.equal(elsewhere.requests.length, 0);
  } finally {
    await elsewhere.close();
    await mover.close();
  }
});

test('remote: a verifier on a refused address (no OUTBOUND_ALLOW) is never called', async () => {
  const { log } = captureLog();
  const v = new RemoteBrowserIdVerifier(
    { ...DEFAULT_BROWSERID_OPTIONS, browserid: 'remote', fxaAudiences: [AUDIENCE], fxaVerifier: `${verifierServer.url}/v2` },
    log,
    new OutboundClient({ log }),
  );
  const before = verifierServer.requests.length;
  const out = await v.verify(`BrowserID ${assertion({ aud: AUDIENCE })}`);
  assert.deepEqual(out, refusal(`Verifier service unavailable: ${verifierServer.url}/v2 is not an allowed destination`));
  assert.equal(verifierServer.requests.length, before);
});
