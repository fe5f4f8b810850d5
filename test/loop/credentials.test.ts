import assert from 'node:assert/strict';
import { test } from 'node:test';
import Hawk from 'hawk';
import { deriveCredentials, hmacHex } from '../../src/loop/credentials.ts';
import { Sessions } from '../../src/loop/sessions.ts';
import type { LoopStore } from '../../src/store/loop.ts';
import { credentialsOf } from '../helpers/loop.ts';

const TOKEN1 = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';

test('§17.14 / §3.2 HKDF test vectors', () => {
  assert.deepEqual(deriveCredentials(TOKEN1), {
    id: '5fa7b1a9a3266f052b766e956f525b583607e777f264a5bb67b57ed5e34c2c5c',
    key: '4f05fbeb8c81b662f52d5c21595c1033a5126f3b7dabd872c4cfd8298254651c',
  });
  assert.deepEqual(deriveCredentials('c7ee533a75a4f3b8a2a44b0b417eec15295ad43ff2b402776078ec87abb31cd9'), {
    id: '022f3bf01b57e86e3c8a5832b8b7ab56c896fbf8b26b0f2aabcb13919b78937a',
    key: 'fa57cdd9b34cbfa676d643f816347e3ad29f7f1beadc4cc7d68cc2c9cdeafb63',
  });
});

test('§3.3 idHmac and §3.8 user key vectors', () => {
  const sessions = new Sessions({
    store: {} as LoopStore,
    hawkIdSecret: '00112233445566778899aabbccddeeff',
    userMacSecret: 'ffeeddccbbaa99887766554433221100',
    sessionTtlMs: 1000,
  });
  assert.equal(sessions.idHmac(deriveCredentials(TOKEN1).id), '93dd95ff1dd3b3d14895ee309678fc9568411b1ecb078c2ebeb4a4c76d5b54ce');
  assert.equal(sessions.userKeyOf('alice@example.com'), 'dbf6dbaad94d42348aab3f1c1bb4671810e5ae08be8b1def09bea8aa1abaa5b0');
  assert.equal(sessions.userKeyOf('ALICE@example.com'), sessions.userKeyOf('alice@example.com'));
  assert.equal(hmacHex(Buffer.from('00', 'hex'), 'x').length, 64);
});

test('§3.4–3.5 MAC, payload-hash, tsm and Server-Authorization vectors with the hex-string key', () => {
  const credentials = credentialsOf(TOKEN1);
  const artifacts = { method: 'POST', resource: '/v1/registration', host: 'localhost', port: 5000, ts: '1405515536', nonce: 'Ypm8Zp' };
  assert.equal(Hawk.crypto.calculateMac('header', credentials, artifacts as never), 'o/TlnlTOtLSjzvTo6irpGJkP5YM4zVspd4Ga78JvtRI=');
  const hash = Hawk.crypto.calculatePayloadHash('{"simplePushURL":"https://push.example.com/abc"}', 'sha256', 'application/json');
  assert.equal(hash, 'nHZy2+OmFQIjG93LjhsnPABy1woEDje9skIevTIJ+kQ=');
  assert.equal(Hawk.crypto.calculateMac('header', credentials, { ...artifacts, hash } as never), 'c0wshr2Wz/ouvDlPTzdgBzLGU2d0LFPteSdYD3tbPAQ=');
  assert.equal(Hawk.crypto.calculateTsMac('1405515600', credentials), '5rUioSysuorrjTmD5USDt1X2tAG78qOxxaVs43QFjI4=');
  assert.equal(Hawk.server.header(credentials as never, artifacts as never), 'Hawk mac="W4emTRKfIhyQwgbl6IwUwm3i0nVdiA9afp+PuJZDm0c="');
});
