import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { FixedKeyHmacSha256 } from '../../src/inbox/hmac-sha256.ts';

const reference = (key: Uint8Array, m: Uint8Array) => createHmac('sha256', key).update(m).digest().toString('latin1');

test('same MAC as createHmac for every message length up to and past the preallocated buffer', () => {
  const key = randomBytes(32);
  const mac = new FixedKeyHmacSha256(key, 100);
  for (let len = 0; len <= 300; len++) {
    const m = randomBytes(len);
    assert.equal(mac.digestLatin1(m), reference(key, m), `length ${len}`);
  }
});

test('RFC 4231 test case 2 (key "Jefe")', () => {
  const mac = new FixedKeyHmacSha256(Buffer.from('Jefe'));
  const out = Buffer.from(mac.digestLatin1(Buffer.from('what do ya want for nothing?')), 'latin1').toString('hex');
  assert.equal(out, '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
});

test('a longer message after a shorter one leaves no trace of the earlier one, and keys of other lengths work', () => {
  for (const key of [randomBytes(1), randomBytes(32), randomBytes(64)]) {
    const mac = new FixedKeyHmacSha256(key);
    for (const m of ['long message here', 'short', '', 'x'.repeat(2048), 'y']) {
      assert.equal(mac.digestLatin1(Buffer.from(m)), reference(key, Buffer.from(m)));
    }
  }
  assert.throws(() => new FixedKeyHmacSha256(randomBytes(65)), RangeError);
});
