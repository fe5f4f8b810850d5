import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Value, type Static } from '../../../src/schema.ts';
import {
  BrowserIdOptionsSchema, DEFAULT_EXTERNAL_SERVICES_OPTIONS, ExternalOptionsError, ExternalServicesOptionsSchema,
  FxaOAuthOptionsSchema, PushOptionsSchema, TokBoxOptionsSchema, createExternalServices, parseExternalServicesOptions,
  type BrowserIdOptions, type ExternalServicesOptions, type FxaOAuthOptions, type PushOptions, type TokBoxOptions,
} from '../../../src/loop/external/index.ts';
import { captureLog } from './local-server.ts';

// Compile-time: what a schema accepts is assignable to its interface.
const _typesAgree: [TokBoxOptions, BrowserIdOptions, FxaOAuthOptions, PushOptions, ExternalServicesOptions] = [
  {} as Static<typeof TokBoxOptionsSchema>,
  {} as Static<typeof BrowserIdOptionsSchema>,
  {} as Static<typeof FxaOAuthOptionsSchema>,
  {} as Static<typeof PushOptionsSchema>,
  {} as Static<typeof ExternalServicesOptionsSchema>,
];
void _typesAgree;

test('defaults are the §15 ones, and each schema fills them in', () => {
  const o = parseExternalServicesOptions({});
  assert.deepEqual(o, DEFAULT_EXTERNAL_SERVICES_OPTIONS);
  assert.deepEqual(parseExternalServicesOptions(undefined), o);
  assert.equal(o.tokBox.provider, 'fake');
  assert.equal(o.tokBox.retryOnError, 3);
  assert.equal(o.tokBox.timeoutMs, 2000);
  assert.equal(o.tokBox.tokenDurationSec, 86_400);
  assert.equal(o.tokBox.tokenFormat, 't1');
  assert.match(o.tokBox.fakeApiKey, /^\d{8}$/);
  assert.equal(o.tokBox.fakeApiSecret, undefined);
  assert.deepEqual(o.browserId, {
    browserid: 'off', fxaAudiences: [], fxaVerifier: 'https://verifier.accounts.firefox.com/v2',
    fxaTrustedIssuers: ['api.accounts.firefox.com'], verifierTimeoutMs: 5000,
  });
  assert.deepEqual(o.fxaOAuth, {
    activated: true, provider: 'remote', oauth_uri: 'https://oauth.accounts.firefox.com/v1', profile_uri: 'https://profile.firefox.com/v1',
    content_uri: 'https://accounts.firefox.com', redirect_uri: 'urn:ietf:wg:oauth:2.0:fx:webchannel', scope: 'profile', timeoutMs: 5000,
  });
  assert.equal(o.push.timeoutMs, 5000);
  assert.ok(Object.isFrozen(o) && Object.isFrozen(o.tokBox) && Object.isFrozen(o.browserId.fxaAudiences));
  for (const [schema, section] of [[TokBoxOptionsSchema, 'tokBox'], [BrowserIdOptionsSchema, 'browserId'], [FxaOAuthOptionsSchema, 'fxaOAuth'], [PushOptionsSchema, 'push']] as const) {
    assert.ok(Value.Check(schema, Value.Default(schema, {})), section);
  }
});

test('given values are kept; channels other than default are allowed', () => {
  const o = parseExternalServicesOptions({
    tokBox: { provider: 'opentok', credentials: { default: { apiKey: '1', apiSecret: 's' }, beta: { apiKey: '2', apiSecret: 't', apiUrl: 'http://127.0.0.1:9' } }, tokenFormat: 'jwt', timeoutMs: 250 },
    browserId: { browserid: 'remote', fxaAudiences: ['app://loop'] },
    fxaOAuth: { provider: 'fake', client_id: 'cid', scope: 'profile:email' },
    push: { maxConcurrency: 4 },
  });
  assert.equal(o.tokBox.credentials?.beta.apiUrl, 'http://127.0.0.1:9');
  assert.equal(o.tokBox.tokenFormat, 'jwt');
  assert.equal(o.tokBox.timeoutMs, 250);
  assert.equal(o.tokBox.retryOnError, 3);
  assert.deepEqual(o.browserId.fxaAudiences, ['app://loop']);
  assert.equal(o.fxaOAuth.client_id, 'cid');
  assert.equal(o.fxaOAuth.client_secret, undefined);
  assert.equal(o.push.maxConcurrency, 4);
  assert.equal(o.push.timeoutMs, 5000);
});

test('bad settings are refused naming the setting', () => {
  const cases: [unknown, string][] = [
    [{ tokBox: { provider: 'tokbox' } }, 'tokBox.provider'],
    [{ tokBox: { retryOnError: 0 } }, 'tokBox.retryOnError'],
    [{ tokBox: { timeoutMs: 0 } }, 'tokBox.timeoutMs'],
    [{ tokBox: { timeout: 2000 } }, 'tokBox.timeout'],
    [{ tokBox: { tokenFormat: 'T1' } }, 'tokBox.tokenFormat'],
    [{ tokBox: { credentials: { beta: { apiKey: '2', apiSecret: 't' } } } }, 'tokBox.credentials.default'],
    [{ tokBox: { credentials: { default: { apiKey: '1', apiSecret: 's', apiUrl: 'ftp://x' } } } }, 'tokBox.credentials.default.apiUrl'],
    [{ tokBox: { provider: 'opentok' } }, 'tokBox.credentials'],
    [{ browserId: { browserid: 'on' } }, 'browserId.browserid'],
    [{ browserId: { fxaVerifier: 'verifier.example' } }, 'browserId.fxaVerifier'],
    [{ fxaOAuth: { activated: 'yes' } }, 'fxaOAuth.activated'],
    [{ push: { maxConcurrency: 0 } }, 'push.maxConcurrency'],
    [{ analytics: {} }, 'analytics'],
  ];
  for (const [raw, setting] of cases) {
    assert.throws(
      () => parseExternalServicesOptions(raw),
      (err: unknown) => err instanceof ExternalOptionsError && err.setting.startsWith(setting) && err.message.startsWith(`invalid setting ${setting}`),
      JSON.stringify(raw),
    );
  }
});

test('the factory builds what the options choose, and warns about risky choices', async () => {
  const { log, lines } = captureLog();
  const quiet = createExternalServices(DEFAULT_EXTERNAL_SERVICES_OPTIONS, log);
  // Neither client_id nor client_secret given is the default: no warning at start (the endpoint answers 503).
  assert.equal(lines.filter((l) => Number(l.level) >= 40).length, 0);
  assert.equal(quiet.provider.fake, true);
  assert.equal(quiet.browserId.mode, 'off');
  assert.equal(quiet.fxa.mode, 'remote');
  assert.deepEqual(await quiet.fxa.exchange('code'), { ok: false, status: 503, errno: 201, error: 'Service Unavailable' });
  quiet.push.notify([], 1);
  await quiet.push.idle();
  lines.length = 0;
  createExternalServices(parseExternalServicesOptions({ fxaOAuth: { client_id: 'only-the-id' } }), log);
  assert.equal(lines.filter((l) => String(l.msg).includes('client_secret are not set')).length, 1);

  lines.length = 0;
  const demo = createExternalServices(
    parseExternalServicesOptions({ browserId: { browserid: 'fake' }, fxaOAuth: { provider: 'fake' }, tokBox: { fakeApiKey: '12345678', fakeApiSecret: 'x' } }),
    log,
    { nowMs: () => 1_000 },
  );
  assert.equal(demo.browserId.mode, 'fake');
  assert.equal(demo.fxa.mode, 'fake');
  assert.equal(demo.provider.currentApiKey('any'), '12345678');
  assert.match(Buffer.from((await demo.provider.createSession('x')).sessionId.slice(2), 'base64url').toString(), /^1~12345678~~1000~/);
  assert.equal(lines.filter((l) => l.level === 40).length, 2, 'one warning each for fake BrowserID and fake FxA');

  const remote = createExternalServices(parseExternalServicesOptions({ browserId: { browserid: 'remote' } }), log);
  assert.equal(remote.browserId.mode, 'remote');
  assert.ok(lines.some((l) => String(l.msg).includes('fxaAudiences is empty')));
});

test('the opentok provider needs credentials with a default channel', () => {
  const { log } = captureLog();
  const noCreds = { ...DEFAULT_EXTERNAL_SERVICES_OPTIONS, tokBox: { ...DEFAULT_EXTERNAL_SERVICES_OPTIONS.tokBox, provider: 'opentok' as const } };
  assert.throws(() => createExternalServices(noCreds, log), ExternalOptionsError);
  const withCreds = parseExternalServicesOptions({ tokBox: { provider: 'opentok', credentials: { default: { apiKey: '77', apiSecret: 's', apiUrl: 'http://127.0.0.1:9' } } } });
  const services = createExternalServices(withCreds, log);
  assert.equal(services.provider.fake, false);
  assert.equal(services.provider.currentApiKey('release'), '77');
});
