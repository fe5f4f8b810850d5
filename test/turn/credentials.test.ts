import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { turnCredentials } from '../../src/turn/credentials.ts';

/** HMAC-SHA1 built by hand from SHA-1 (RFC 2104), independent of createHmac. */
function hmacSha1ByHand(key: string, message: string): string {
  const block = 64;
  let k = Buffer.from(key);
  if (k.length > block) k = createHash('sha1').update(k).digest();
  k = Buffer.concat([k, Buffer.alloc(block - k.length)]);
  const ipad = Buffer.from(k.map((b) => b ^ 0x36));
  const opad = Buffer.from(k.map((b) => b ^ 0x5c));
  const inner = createHash('sha1').update(ipad).update(message).digest();
  return createHash('sha1').update(opad).update(inner).digest('base64');
}

test('the coturn REST scheme: username "expiry:user", password base64 HMAC-SHA1 of it (fixed vector)', () => {
  // Expected password computed with: printf '1700086400:alice' | openssl dgst -sha1 -hmac north -binary | base64
  const c = turnCredentials({ secret: 'north', urls: ['turn:127.0.0.1:3478'], ttlSec: 86400 }, 'alice', 1_700_000_000_000);
  assert.deepEqual(c, {
    username: '1700086400:alice',
    password: 'SXua5ne/+mDhiHTp0pQJzRO4ESg=',
    ttl: 86400,
    urls: ['turn:127.0.0.1:3478'],
  });
});

test('expiry rounds the wall clock down to whole seconds; a secret longer than a SHA-1 block is hashed first', () => {
  const secret = 'a much longer shared secret, longer than the sixty-four byte SHA-1 block size!';
  const c = turnCredentials({ secret, urls: ['turns:turn.example:5349'], ttlSec: 60 }, 'bob-91aa', 1_700_000_000_999);
  assert.equal(c.username, '1700000060:bob-91aa');
  // openssl dgst -sha1 -hmac '<secret>' of the same username
  assert.equal(c.password, 'jvcfCawl1mN/+dy+a0q6fa+KNdk=');
  assert.equal(c.password, hmacSha1ByHand(secret, c.username));
});

test('the password depends on the secret, the user and the expiry', () => {
  const base = { secret: 's1', urls: ['turn:x'], ttlSec: 600 };
  const a = turnCredentials(base, 'u', 1_000_000);
  assert.equal(a.password, hmacSha1ByHand('s1', a.username));
  assert.notEqual(turnCredentials({ ...base, secret: 's2' }, 'u', 1_000_000).password, a.password);
  assert.notEqual(turnCredentials(base, 'v', 1_000_000).password, a.password);
  assert.notEqual(turnCredentials(base, 'u', 2_000_000).password, a.password);
});
