import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';

const turnSettingsFromEnv = (env: Record<string, string>) => loadConfig(env, []).turn;

test('no TURN_SECRET (or an empty one): TURN is off', () => {
  assert.equal(turnSettingsFromEnv({}), undefined);
  assert.equal(turnSettingsFromEnv({ TURN_SECRET: '', TURN_URLS: 'turn:x:3478' }), undefined);
});

test('secret, comma list of URLs (trimmed, empties dropped) and the default TTL of one day', () => {
  const s = turnSettingsFromEnv({ TURN_SECRET: 'k', TURN_URLS: ' turn:a.example:3478?transport=udp , turns:a.example:5349,, stun:a.example ' });
  assert.deepEqual(s, {
    secret: 'k',
    urls: ['turn:a.example:3478?transport=udp', 'turns:a.example:5349', 'stun:a.example'],
    ttlSec: 86400,
  });
  assert.ok(Object.isFrozen(s));
  assert.equal(turnSettingsFromEnv({ TURN_SECRET: 'k', TURN_URLS: 'turn:a', TURN_TTL: '3600' })?.ttlSec, 3600);
});

test('bad settings are refused, naming the variable', () => {
  const bad: [Record<string, string>, string][] = [
    [{ TURN_SECRET: 'k' }, 'TURN_URLS'],
    [{ TURN_SECRET: 'k', TURN_URLS: ' , ' }, 'TURN_URLS'],
    [{ TURN_SECRET: 'k', TURN_URLS: 'http://a.example' }, 'TURN_URLS'],
    [{ TURN_SECRET: 'k', TURN_URLS: 'turn:a', TURN_TTL: 'soon' }, 'TURN_TTL'],
    [{ TURN_SECRET: 'k', TURN_URLS: 'turn:a', TURN_TTL: '1.5' }, 'TURN_TTL'],
    [{ TURN_SECRET: 'k', TURN_URLS: 'turn:a', TURN_TTL: '0' }, 'TURN_TTL'],
    [{ TURN_SECRET: 'k', TURN_URLS: 'turn:a', TURN_TTL: '99999999' }, 'TURN_TTL'],
  ];
  for (const [env, setting] of bad) {
    assert.throws(() => turnSettingsFromEnv(env), (err: unknown) => err instanceof ConfigError && err.setting === setting, JSON.stringify(env));
  }
});
