import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { OpenTokMediaProvider, apiKeyOfSessionId } from '../../../src/loop/external/provider/opentok.ts';
import type { TokBoxChannels } from '../../../src/loop/external/options.ts';
import { OutboundClient } from '../../../src/net/outbound-http.ts';
import { FakeTime } from '../../helpers/fake-time.ts';
import { captureLog, deadUrl, json, startLocalServer, testOutbound, type LocalServer } from './local-server.ts';

const helpers = createRequire(import.meta.url)('opentok-token/helpers.js');

/** A session id of the real shape for `apiKey` (the SDK decodes field 1 as the key). */
const sessionIdFor = (apiKey: string, n: number) =>
  '1_' + Buffer.from(`1~${apiKey}~~${1_700_000_000_000 + n}~abcdefghijklmnopqrstuvwx~`).toString('base64url');

/** Checks an HS256 JWT's signature and returns its claims. */
function verifyJwt(token: string, secret: string): Record<string, unknown> {
  const [h, p, s] = token.split('.');
  assert.equal(createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url'), s, 'JWT signature');
  return JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
}

/** Plays OpenTok's POST /session/create for one project: answers `[{session_id}]`, or fails while `failures` > 0. */
function openTokApi(apiKey: string) {
  const state = { failures: 0, failStatus: 500, hang: false, n: 0 };
  const start = () =>
    startLocalServer((req, res) => {
      if (state.hang) return; // never answers
      if (req.method !== 'POST' || req.url !== '/session/create') return json(res, 404, { message: 'not found' });
      if (state.failures > 0) {
        state.failures--;
        return json(res, state.failStatus, { message: 'try later' });
      }
      json(res, 200, [{ session_id: sessionIdFor(apiKey, ++state.n), project_id: apiKey, create_dt: 'now' }]);
    });
  return { state, start };
}

const main = openTokApi('1111');
const beta = openTokApi('2222');
let mainServer: LocalServer;
let betaServer: LocalServer;
before(async () => {
  mainServer = await main.start();
  betaServer = await beta.start();
});
after(async () => {
  await mainServer.close();
  await betaServer.close();
});

function channels(): TokBoxChannels {
  return {
    default: { apiKey: '1111', apiSecret: 'secret-one', apiUrl: mainServer.url },
    beta: { apiKey: '2222', apiSecret: 'secret-two', apiUrl: betaServer.url + '/' },
  };
}

function provider(extra: Partial<ConstructorParameters<typeof OpenTokMediaProvider>[0]> = {}) {
  const { log, lines } = captureLog();
  const p = new OpenTokMediaProvider({ credentials: channels(), retryOnError: 3, timeoutMs: 2000, tokenFormat: 't1', log, outbound: testOutbound(log), ...extra });
  return { p, lines };
}

test('createSession makes the SDK request: POST /session/create, relayed, signed with the project secret', async () => {
  const { p } = provider();
  assert.equal(p.fake, false);
  const before = mainServer.requests.length;
  const { apiKey, sessionId } = await p.createSession('release');
  assert.equal(apiKey, '1111');
  assert.equal(apiKeyOfSessionId(sessionId), '1111');
  const req = mainServer.requests.at(-1)!;
  assert.equal(mainServer.requests.length, before + 1);
  assert.equal(req.method, 'POST');
  assert.equal(req.url, '/session/create');
  assert.equal(req.headers['content-type'], 'application/x-www-form-urlencoded');
  assert.equal(new URLSearchParams(req.body).get('p2p.preference'), 'enabled', 'relayed media mode');
  const claims = verifyJwt(String(req.headers['x-opentok-auth']), 'secret-one');
  assert.equal(claims.iss, '1111');
  assert.equal(claims.ist, 'project');
});

test('each channel uses its own credentials; unknown channels use default', async () => {
  const { p } = provider();
  const b = await p.createSession('beta');
  assert.equal(b.apiKey, '2222');
  assert.equal(apiKeyOfSessionId(b.sessionId), '2222');
  assert.equal(verifyJwt(String(betaServer.requests.at(-1)!.headers['x-opentok-auth']), 'secret-two').iss, '2222');
  assert.equal(p.currentApiKey('beta'), '2222');
  assert.equal(p.currentApiKey('nightly'), '1111');
  assert.equal(p.currentApiKey('constructor'), '1111', 'no prototype lookups');
  assert.equal((await p.createSession('toString')).apiKey, '1111');
});

test('failed attempts are retried up to retryOnError, then the promise rejects', async () => {
  const { p, lines } = provider();
  main.state.failures = 2;
  let before = mainServer.requests.length;
  assert.equal(apiKeyOfSessionId((await p.createSession('default')).sessionId), '1111');
  assert.equal(mainServer.requests.length - before, 3);
  assert.equal(lines.filter((l) => l.msg === 'OpenTok session creation failed').length, 2);

  main.state.failures = 3;
  before = mainServer.requests.length;
  await assert.rejects(p.createSession('default'), /OpenTok session creation failed 3 times/);
  assert.equal(mainServer.requests.length - before, 3);

  main.state.failures = 5;
  main.state.failStatus = 403;
  before = mainServer.requests.length;
  const { p: once } = provider({ retryOnError: 1 });
  await assert.rejects(once.createSession('default'));
  assert.equal(mainServer.requests.length - before, 1);
  main.state.failures = 0;
  main.state.failStatus = 500;
});

test('an answer without a session id is a failure', async () => {
  const odd = await startLocalServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('hello');
  });
  try {
    const { log } = captureLog();
    const p = new OpenTokMediaProvider({
      credentials: { default: { apiKey: '1111', apiSecret: 's', apiUrl: odd.url } },
      retryOnError: 2, timeoutMs: 2000, tokenFormat: 't1', log, outbound: testOutbound(log),
    });
    await assert.rejects(p.createSession('default'), /without a session id/);
    assert.equal(odd.requests.length, 2);
  } finally {
    await odd.close();
  }
});

test('each attempt has its own timeout (injected timers); a silent server ends in a rejection', async () => {
  const time = new FakeTime();
  const { p } = provider({ timers: time, timeoutMs: 2000, retryOnError: 2 });
  main.state.hang = true;
  try {
    const before = mainServer.requests.length;
    const outcome = p.createSession('default').then(() => 'resolved', (err: Error) => err.message);
    for (let attempt = 1; attempt <= 2; attempt++) {
      while (mainServer.requests.length - before < attempt) await new Promise((r) => setTimeout(r, 5));
      time.advance(1999);
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(mainServer.requests.length - before, attempt, 'no new attempt before the timeout');
      time.advance(1);
    }
    assert.match(await outcome, /failed 2 times: OpenTok did not answer within 2000 ms/);
    assert.equal(mainServer.requests.length - before, 2);
  } finally {
    main.state.hang = false;
  }
});

test('real timers with a tiny timeout also give up', async () => {
  const { p } = provider({ timeoutMs: 30, retryOnError: 2 });
  main.state.hang = true;
  try {
    await assert.rejects(p.createSession('default'), /did not answer within 30 ms/);
  } finally {
    main.state.hang = false;
  }
});

test('a refused connection is a failure too', async () => {
  const { log } = captureLog();
  const p = new OpenTokMediaProvider({
    credentials: { default: { apiKey: '1111', apiSecret: 's', apiUrl: await deadUrl() } },
    retryOnError: 2, timeoutMs: 2000, tokenFormat: 't1', log, outbound: testOutbound(log),
  });
  await assert.rejects(p.createSession('default'), /failed 2 times/);
  await assert.rejects(p.ping());
});

test('T1 tokens: legacy format, signed with the channel secret, role and expiry as asked', async () => {
  const { p } = provider();
  const { sessionId } = await p.createSession('beta');
  const expire = Math.floor(Date.now() / 1000) + 3600;
  const token = p.createToken(sessionId, 'beta', 'moderator', expire + 0.7);
  assert.ok(token.startsWith('T1=='));
  assert.equal(helpers.verifyTokenSignature(token, 'secret-two'), true);
  const data = helpers.decodeToken(token);
  assert.equal(data.partner_id, '2222');
  assert.equal(data.session_id, sessionId);
  assert.equal(data.role, 'moderator');
  assert.equal(data.expire_time, String(expire));
  assert.match(data.nonce, /^0\.\d+/);
  const again = p.createToken(sessionId, 'beta', 'moderator', expire);
  assert.notEqual(again, token);
});

test('JWT tokens when tokenFormat is jwt', async () => {
  const { p } = provider({ tokenFormat: 'jwt' });
  const { sessionId } = await p.createSession('default');
  const expire = Math.floor(Date.now() / 1000) + 3600;
  const claims = verifyJwt(p.createToken(sessionId, 'default', 'publisher', expire), 'secret-one');
  assert.equal(claims.session_id, sessionId);
  assert.equal(claims.role, 'publisher');
  assert.equal(claims.iss, '1111');
  assert.equal(claims.exp, expire);
  assert.equal(claims.scope, 'session.connect');
});

test('a session of another known project (key rotation) is signed with that project', async () => {
  const { p } = provider();
  const { sessionId } = await p.createSession('beta');
  const token = p.createToken(sessionId, 'default', 'publisher', Math.floor(Date.now() / 1000) + 60);
  assert.equal(helpers.verifyTokenSignature(token, 'secret-two'), true);
  assert.throws(() => p.createToken(sessionIdFor('9999', 1), 'default', 'publisher', Math.floor(Date.now() / 1000) + 60));
});

test('ping is one session creation on the default project, no retry', async () => {
  const { p } = provider();
  const before = mainServer.requests.length;
  await p.ping();
  assert.equal(mainServer.requests.length - before, 1);
  main.state.failures = 1;
  await assert.rejects(p.ping(), /Failed to createSession/);
  assert.equal(mainServer.requests.length - before, 2);
});

test('a missing default channel is refused at construction', () => {
  const { log } = captureLog();
  const credentials = { beta: { apiKey: '2', apiSecret: 's' } } as unknown as TokBoxChannels;
  assert.throws(() => new OpenTokMediaProvider({ credentials, retryOnError: 1, timeoutMs: 10, tokenFormat: 't1', log, outbound: testOutbound(log) }), /default/);
});

test('an apiUrl on a refused address (no OUTBOUND_ALLOW) is not called, not retried, and warned about once', async () => {
  const { log, lines } = captureLog();
  const p = new OpenTokMediaProvider({ credentials: channels(), retryOnError: 3, timeoutMs: 2000, tokenFormat: 't1', log, outbound: new OutboundClient({ log }) });
  const before = mainServer.requests.length;
  await assert.rejects(p.createSession('default'), /OpenTok session creation refused: 127\.0\.0\.1 is a loopback address/);
  await assert.rejects(p.ping(), /is a loopback address/);
  assert.equal(mainServer.requests.length, before, 'nothing reached the API');
  const warns = lines.filter((l) => l.level === 40);
  assert.equal(warns.length, 1, JSON.stringify(warns));
  assert.equal(warns[0].range, 'loopback');
  assert.ok(!('err' in warns[0]), 'no error object, no stack');
});

test('a redirect from the API is a failed attempt, never followed', async () => {
  const target = await startLocalServer((_req, res) => json(res, 200, [{ session_id: sessionIdFor('1111', 99) }]));
  const mover = await startLocalServer((_req, res) => res.writeHead(307, { Location: `${target.url}/session/create` }).end());
  try {
    const { log } = captureLog();
    const p = new OpenTokMediaProvider({
      credentials: { default: { apiKey: '1111', apiSecret: 's', apiUrl: mover.url } },
      retryOnError: 2, timeoutMs: 2000, tokenFormat: 't1', log, outbound: testOutbound(log),
    });
    await assert.rejects(p.createSession('default'), /failed 2 times: Failed to createSession: redirect \(307\) not followed/);
    assert.equal(mover.requests.length, 2);
    assert.equal(target.requests.length, 0);
  } finally {
    await target.close();
    await mover.close();
  }
});
