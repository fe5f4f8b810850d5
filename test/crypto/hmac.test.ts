import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { hmacSha1, hmacSha256 } from '../../src/crypto/hmac.ts';

test('RFC 4231 test case 2 (short key, text message)', () => {
  assert.equal(hmacSha256('Jefe', 'what do ya want for nothing?', 'hex'), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
});

test('RFC 2202 HMAC-SHA1 test cases 2 and 6 (short key; key longer than a block)', () => {
  assert.equal(hmacSha1('Jefe', 'what do ya want for nothing?', 'hex'), 'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79');
  assert.equal(
    hmacSha1(Buffer.alloc(80, 0xaa), 'Test Using Larger Than Block-Size Key - Hash Key First', 'hex'),
    'aa4ae5e15272d00e95705637ce8a3b55ed402112',
  );
});

test('a SHA-1 HMAC between SHA-256 ones leaves the SHA-256 results intact (shared scratch buffers)', () => {
  const key = randomBytes(32).toString('hex');
  const before = hmacSha256(key, 'm', 'hex');
  hmacSha1(key, 'm', 'hex');
  assert.equal(hmacSha256(key, 'm', 'hex'), before);
  assert.equal(before, createHmac('sha256', key).update('m').digest('hex'));
});

test('hmacSha256 and hmacSha1 equal createHmac for keys and messages of every shape', () => {
  const keys: (Buffer | string)[] = [
    Buffer.alloc(0), Buffer.alloc(32), randomBytes(16), randomBytes(64), randomBytes(65), randomBytes(200),
    '', 'a'.repeat(64), randomBytes(32).toString('hex'), 'clé non-ASCII', 'k'.repeat(65), '\u{1F600}'.repeat(20),
  ];
  const messages: (Buffer | string)[] = [
    '', 'hawk.1.header\n1\nn\nPOST\n/v1/x\nlocalhost\n5000\n\n\n', 'é/ü ✓ \u{1F600}', 'x'.repeat(1365), 'x'.repeat(1366), 'y'.repeat(5000),
    Buffer.alloc(0), randomBytes(32), randomBytes(4096), randomBytes(4097),
  ];
  for (const key of keys) {
    for (const message of messages) {
      const expected = createHmac('sha256', key).update(message);
      const digest = expected.digest();
      const what = `key ${typeof key === 'string' ? JSON.stringify(key.slice(0, 10)) : key.length + ' bytes'}, message ${message.length}`;
      assert.equal(hmacSha256(key, message, 'hex'), digest.toString('hex'), what);
      assert.equal(hmacSha256(key, message, 'base64'), digest.toString('base64'), what);
      assert.equal(hmacSha256(key, message, 'binary'), digest.toString('latin1'), what);
      if (typeof message !== 'string') assert.equal(hmacSha256(key, new Uint8Array(message), 'hex'), digest.toString('hex'), `${what} (Uint8Array)`);
      const sha1 = createHmac('sha1', key).update(message).digest();
      assert.equal(hmacSha1(key, message, 'hex'), sha1.toString('hex'), `${what} (sha1)`);
      assert.equal(hmacSha1(key, message, 'base64'), sha1.toString('base64'), `${what} (sha1)`);
    }
  }
});

test('a string key used again keeps its pads; any other key (string, Buffer, SHA-1 or SHA-256) replaces them', () => {
  const keys = ['k'.repeat(64), 'k'.repeat(64), Buffer.from('k'.repeat(64)), 'other', 'ü-not-ascii', 'x'.repeat(100), 'other', Buffer.alloc(3, 1), 'k'.repeat(64)];
  for (const [i, key] of keys.entries()) {
    for (const message of ['m', 'x'.repeat(500)]) {
      assert.equal(hmacSha256(key, message, 'hex'), createHmac('sha256', key).update(message).digest('hex'), `sha256 key ${i}`);
      assert.equal(hmacSha1(key, message, 'hex'), createHmac('sha1', key).update(message).digest('hex'), `sha1 key ${i}`);
    }
  }
});
