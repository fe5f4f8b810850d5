import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SETTINGS } from '../src/config.ts';
import { inboxCredentialKey } from '../src/crypto/shared-secret.ts';
import { runMain, startMain, type MainRun } from './helpers/main-process.ts';
import { basic } from './helpers/server.ts';

/**
 * A recognisable value for every secret setting: environment ones by the schema's own list, Loop ones in the config
 * file. Long enough for any minimum length (SHARED_SECRET: 32 characters).
 */
const ENV_SECRETS = Object.fromEntries(SETTINGS.filter((s) => s.secret).map((s) => [s.env, `leak-${s.env.toLowerCase()}-0451-0451-0451-0451-0451`]));
const FILE = {
  hawkIdSecret: 'deadbeefcafef00d0451045104510451',
  userMacSecret: 'feedfacefeedface0451045104510451',
  fxaOAuth: { client_id: 'signalbox-test-client', client_secret: 'leak-fxa-client-secret-0451' },
  tokBox: {
    provider: 'opentok',
    fakeApiSecret: 'leak-fake-api-secret-0451',
    credentials: {
      default: { apiKey: '100', apiSecret: 'leak-opentok-default-0451', apiUrl: 'http://127.0.0.1:9' },
      beta: { apiKey: '200', apiSecret: 'leak-opentok-beta-0451', apiUrl: 'http://127.0.0.1:9' },
    },
  },
};
const VALUES = [
  ...Object.values(ENV_SECRETS),
  // what SHARED_SECRET derives (the file sets the Loop secrets, so the inbox key is the one derived in use)
  inboxCredentialKey(ENV_SECRETS.SHARED_SECRET).toString('hex'), inboxCredentialKey(ENV_SECRETS.SHARED_SECRET).toString('base64'),
  FILE.hawkIdSecret, FILE.userMacSecret, FILE.fxaOAuth.client_secret, FILE.tokBox.fakeApiSecret,
  FILE.tokBox.credentials.default.apiSecret, FILE.tokBox.credentials.beta.apiSecret,
];
const PASSWORD = 'leak-inbox-password-0451';

function setup(): Record<string, string> {
  const path = join(mkdtempSync(join(tmpdir(), 'signalbox-secrets-')), 'config.json');
  writeFileSync(path, JSON.stringify(FILE));
  assert.ok(Object.keys(ENV_SECRETS).includes('TURN_SECRET'));
  assert.ok(Object.keys(ENV_SECRETS).includes('SHARED_SECRET'));
  return { ...ENV_SECRETS, TURN_URLS: 'turn:t.example:3478', SIGNALBOX_CONFIG: path, HOST: '127.0.0.1', PORT: '0' };
}

function assertNoSecret(output: string, where: string): void {
  for (const value of [...VALUES, PASSWORD]) assert.ok(!output.includes(value), `${where} shows ${value}`);
}

test('no secret setting appears in the output, at log level trace with the access log, nor in --check-config', async () => {
  const env = setup();
  const check = await runMain(['--check-config'], env);
  assert.equal(check.code, 0, check.stderr);
  assertNoSecret(check.stdout + check.stderr, '--check-config');
  assert.ok(check.stdout.includes('(hidden)'));

  const main = await startMain({ ...env, LOG_LEVEL: 'trace', ACCESS_LOG: '1' });
  let run: MainRun;
  try {
    const url = new URL((main.lines.find((l) => l.urls)!.urls as Record<string, string>).api);
    const auth = { authorization: basic('secret-scan', PASSWORD) };
    await fetch(new URL('/inbox', url), { headers: auth });
    await fetch(new URL('/inbox', url), { headers: { authorization: basic('secret-scan', 'wrong') } });
    await fetch(new URL('/turn-credentials', url), { headers: auth });
    await fetch(new URL('/v1/registration', url), { method: 'POST' });
    await fetch(new URL('/__heartbeat__', url));
  } finally {
    run = await main.stop();
  }
  assert.equal(run.code, 0, run.stderr);
  assert.ok(run.stdout.split('\n').some((l) => l.includes('"log":"access"')), 'the access log was on');
  assertNoSecret(run.stdout + run.stderr, 'the server output');
});
