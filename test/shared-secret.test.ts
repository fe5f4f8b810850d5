import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { systemClock } from '../src/clock.ts';
import { ConfigError, loadConfig } from '../src/config.ts';
import { describeConfig } from '../src/config-describe.ts';
import { inboxCredentialKey, loopSecrets } from '../src/crypto/shared-secret.ts';
import { CredentialHasher, type Owner } from '../src/inbox/identity.ts';
import { MemoryInboxStore } from '../src/store/memory/inbox.ts';
import { Peer, done } from './helpers/inbox-client.ts';
import { startServer } from './helpers/server.ts';
import { configError } from './helpers/config-error.ts';

const SHARED = 'correct horse battery staple, 32+';

test('a SHARED_SECRET shorter than 32 characters stops start-up, without echoing it', () => {
  const short = 'x'.repeat(31);
  const env = configError(() => loadConfig({ SHARED_SECRET: short }));
  assert.equal(env.setting, 'SHARED_SECRET');
  assert.match(env.message, /^SHARED_SECRET must be at least 32 characters/);
  assert.ok(!env.message.includes(short), env.message);
  const flag = configError(() => loadConfig({}, ['--shared-secret', 'hunter2']));
  assert.equal(flag.setting, '--shared-secret');
  assert.ok(!flag.message.includes('hunter2'), flag.message);
  assert.equal(loadConfig({ SHARED_SECRET: 'y'.repeat(32) }).sharedSecret, 'y'.repeat(32));
  assert.equal(loadConfig({}).sharedSecret, undefined);
  assert.equal(loadConfig({ SHARED_SECRET: '' }).sharedSecret, undefined, 'empty is unset');
});

test('with SHARED_SECRET, Loop secrets are derived from it; the config file still wins; without it they are random', () => {
  const a = loadConfig({ SHARED_SECRET: SHARED });
  const b = loadConfig({}, [`--shared-secret=${SHARED}`]);
  assert.equal(a.loop.hawkIdSecret, loopSecrets(SHARED).hawkIdSecret);
  assert.equal(a.loop.userMacSecret, loopSecrets(SHARED).userMacSecret);
  assert.equal(b.loop.hawkIdSecret, a.loop.hawkIdSecret, 'two loads (two nodes) agree');
  assert.equal(b.loop.userMacSecret, a.loop.userMacSecret);

  const path = join(mkdtempSync(join(tmpdir(), 'signalbox-shared-')), 'config.json');
  writeFileSync(path, JSON.stringify({ hawkIdSecret: 'ab'.repeat(16) }));
  const filed = loadConfig({ SHARED_SECRET: SHARED, SIGNALBOX_CONFIG: path });
  assert.equal(filed.loop.hawkIdSecret, 'ab'.repeat(16), 'the file sets it');
  assert.equal(filed.loop.userMacSecret, loopSecrets(SHARED).userMacSecret, 'the file leaves it to SHARED_SECRET');

  const r1 = loadConfig({});
  const r2 = loadConfig({});
  assert.notEqual(r1.loop.hawkIdSecret, r2.loop.hawkIdSecret);
  assert.notEqual(r1.loop.userMacSecret, r2.loop.userMacSecret);
  assert.match(r1.loop.hawkIdSecret, /^[0-9a-f]{32}$/);
});

test('the printed configuration hides SHARED_SECRET and says when it is unset', () => {
  assert.equal(describeConfig(loadConfig({ SHARED_SECRET: SHARED })).SHARED_SECRET, '(hidden)');
  assert.ok(!JSON.stringify(describeConfig(loadConfig({ SHARED_SECRET: SHARED }))).includes(SHARED));
  assert.equal(describeConfig(loadConfig({})).SHARED_SECRET, 'unset');
});

test('hashers keyed from the same SHARED_SECRET hash a password alike; random keys do not', () => {
  const secretOf = (h: CredentialHasher) => (h.owner('alice', Buffer.from('pw')) as Owner).secret;
  assert.equal(secretOf(new CredentialHasher(inboxCredentialKey(SHARED))), secretOf(new CredentialHasher(inboxCredentialKey(SHARED))));
  assert.notEqual(secretOf(new CredentialHasher(inboxCredentialKey(SHARED))), secretOf(new CredentialHasher(inboxCredentialKey(`${SHARED}?`))));
  assert.notEqual(secretOf(new CredentialHasher()), secretOf(new CredentialHasher()));
});

/** Two apps on one inbox store: an inbox created through A, read through B with the same password. */
async function secondNodeReads(env: Record<string, string>): Promise<{ status: number; text: string; loopAlike: boolean }> {
  const store = new MemoryInboxStore({ ...loadConfig({}), clock: systemClock });
  const a = await startServer(env, { stores: { inbox: store } });
  const b = await startServer(env, { stores: { inbox: store } });
  try {
    assert.equal((await done(new Peer(a.url, 'alice').read())).status, 204, 'created through A');
    const r = await done(new Peer(b.url, 'alice').read());
    const loopAlike = a.config.loop.hawkIdSecret === b.config.loop.hawkIdSecret && a.config.loop.userMacSecret === b.config.loop.userMacSecret;
    return { ...r, loopAlike };
  } finally {
    await a.close();
    await b.close();
  }
}

test('two apps with the same SHARED_SECRET accept the same inbox password and derive the same Loop secrets', async () => {
  const shared = await secondNodeReads({ SHARED_SECRET: SHARED });
  assert.equal(shared.status, 204, shared.text);
  assert.ok(shared.loopAlike);
  // Without it each app has its own random key: B sees another password (today's one-node behaviour).
  const alone = await secondNodeReads({});
  assert.equal(alone.status, 401);
  assert.match(alone.text, /wrong_password/);
  assert.ok(!alone.loopAlike);
});
