import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';

function file(content: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'signalbox-cfg-')), 'c.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

function settingOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.setting;
  }
  assert.fail('no ConfigError');
}

test('§15 defaults of the loop section, with random secrets per load', () => {
  const { loop } = loadConfig({}, []);
  assert.equal(loop.publicServerAddress, undefined, 'default: the address the server listens on');
  assert.equal(loop.protocol, 'http');
  assert.equal(loop.hawkSessionDuration, 2_592_000);
  assert.equal(loop.callDuration, 60);
  assert.deepEqual({ ...loop.timers }, { supervisoryDuration: 10, ringingDuration: 30, connectionDuration: 10 });
  assert.equal(loop.callUrls.allowCreate, true);
  assert.equal(loop.callUrls.webAppUrl, undefined);
  assert.equal(loop.rooms.webAppUrl, undefined);
  assert.equal(loop.rooms.maxSize, 5);
  assert.equal(loop.rooms.participantTTL, 300);
  assert.deepEqual([...loop.allowedOrigins], ['http://localhost:3000']);
  assert.equal(loop.identity.browserid, 'off');
  assert.equal(loop.fxaOAuth.activated, true);
  assert.equal(loop.tokBox.provider, 'fake');
  assert.equal(loop.external.browserId.browserid, 'off');
  assert.match(loop.hawkIdSecret, /^[0-9a-f]{32}$/);
  assert.notEqual(loop.hawkIdSecret, loadConfig({}, []).loop.hawkIdSecret);
  assert.ok(Object.isFrozen(loop.rooms));
});

test('the JSON file (SIGNALBOX_CONFIG or --config) sets nested spec names and inbox settings; env wins', () => {
  const path = file({
    rooms: { maxSize: 3 }, tokBox: { provider: 'fake', fakeApiKey: '123' }, identity: { browserid: 'fake' },
    fxaAudiences: ['https://a.example'], hawkIdSecret: '00112233445566778899aabbccddeeff', inboxTtl: 90, port: 6000, ip: '127.0.0.1',
  });
  const c = loadConfig({ SIGNALBOX_CONFIG: path, PORT: '7000' }, []);
  assert.equal(c.loop.rooms.maxSize, 3);
  assert.equal(c.loop.rooms.maxTTL, 1344);
  assert.equal(c.loop.external.tokBox.fakeApiKey, '123');
  assert.equal(c.loop.external.browserId.browserid, 'fake');
  assert.deepEqual([...c.loop.external.browserId.fxaAudiences], ['https://a.example']);
  assert.equal(c.loop.hawkIdSecret, '00112233445566778899aabbccddeeff');
  assert.equal(c.inboxTtlMs, 90_000);
  assert.equal(c.port, 7000);
  assert.equal(c.host, '127.0.0.1');
  assert.equal(loadConfig({}, ['--config', path]).port, 6000);
  assert.equal(loadConfig({}, [`--config=${path}`, '--port', '8000']).port, 8000);
});

test('bad files and values are ConfigErrors naming the setting', () => {
  assert.equal(settingOf(() => loadConfig({ SIGNALBOX_CONFIG: '/nonexistent/x.json' }, [])), 'SIGNALBOX_CONFIG');
  assert.equal(settingOf(() => loadConfig({ SIGNALBOX_CONFIG: file('{oops') }, [])), 'SIGNALBOX_CONFIG');
  assert.equal(settingOf(() => loadConfig({ SIGNALBOX_CONFIG: file([1]) }, [])), 'SIGNALBOX_CONFIG');
  assert.equal(settingOf(() => loadConfig({ SIGNALBOX_CONFIG: file({ roomz: {} }) }, [])), 'roomz');
  assert.equal(settingOf(() => loadConfig({ SIGNALBOX_CONFIG: file({ rooms: { maxSize: 'five' } }) }, [])), 'rooms.maxSize');
  assert.equal(settingOf(() => loadConfig({ SIGNALBOX_CONFIG: file({ rooms: { maxsize: 5 } }) }, [])), 'rooms.maxsize');
  assert.equal(settingOf(() => loadConfig({ SIGNALBOX_CONFIG: file({ protocol: 'ftp' }) }, [])), 'protocol');
  assert.equal(settingOf(() => loadConfig({ SIGNALBOX_CONFIG: file({ hawkIdSecret: 'short' }) }, [])), 'hawkIdSecret');
  assert.equal(settingOf(() => loadConfig({ SIGNALBOX_CONFIG: file({ inboxTtl: 'x' }) }, [])), 'inboxTtl');
  assert.equal(settingOf(() => loadConfig({ SIGNALBOX_CONFIG: file({ tokBox: { retryOnError: 0 } }) }, [])), 'tokBox.retryOnError');
  assert.equal(settingOf(() => loadConfig({}, ['--config'])), '--config');
});

test('relations between settings are checked: callDuration ≥ timers, session ≥ call-URL lifetime', () => {
  assert.equal(settingOf(() => loadConfig({ SIGNALBOX_CONFIG: file({ callDuration: 49 }) }, [])), 'callDuration');
  const short = file({ callDuration: 1, timers: { supervisoryDuration: 0.2, ringingDuration: 0.2, connectionDuration: 0.2 } });
  assert.equal(loadConfig({ SIGNALBOX_CONFIG: short }, []).loop.callDuration, 1);
  assert.equal(settingOf(() => loadConfig({ SIGNALBOX_CONFIG: file({ hawkSessionDuration: 3600 }) }, [])), 'hawkSessionDuration');
  assert.equal(settingOf(() => loadConfig({ SIGNALBOX_CONFIG: file({ allowedOrigins: ['*', 'http://a'] }) }, [])), 'allowedOrigins');
});
