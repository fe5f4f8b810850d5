import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { KEY_LABELS, deriveKey, inboxCredentialKey, loopSecrets } from '../../src/crypto/shared-secret.ts';

const SECRET = '0123456789abcdef0123456789abcdef';

/** RFC 5869 HKDF-SHA-256 written out (extract with a zero salt, one expand block): an independent check of hkdfSync's use. */
function hkdfByHand(ikm: string, info: string, bytes: number): Buffer {
  const prk = createHmac('sha256', Buffer.alloc(32)).update(ikm, 'utf8').digest();
  return createHmac('sha256', prk).update(Buffer.concat([Buffer.from(info), Buffer.from([1])])).digest().subarray(0, bytes);
}

test('known answer: the Loop hawkIdSecret derived from a fixed SHARED_SECRET', () => {
  assert.equal(loopSecrets(SECRET).hawkIdSecret, '06304f23dc04f44c042a3cdeed4a20ad');
  assert.equal(loopSecrets(SECRET).userMacSecret, 'ee95155ccb2bcad1c48e16f01601fed8');
  assert.equal(
    inboxCredentialKey(SECRET).toString('hex'),
    '55c24ddf054af130186780282880d00e',
  );
});

test('the derivation is HKDF-SHA-256 with an empty salt and the label as info', () => {
  for (const label of Object.values(KEY_LABELS)) {
    assert.deepEqual(deriveKey(SECRET, label, 32), hkdfByHand(SECRET, label, 32), label);
  }
});

test('deterministic, distinct per label and per secret; Loop secrets are 32 lowercase hex', () => {
  assert.deepEqual(inboxCredentialKey(SECRET), inboxCredentialKey(SECRET));
  assert.deepEqual(loopSecrets(SECRET), loopSecrets(SECRET));
  const keys = Object.values(KEY_LABELS).map((label) => deriveKey(SECRET, label, 16).toString('hex'));
  assert.equal(new Set(keys).size, keys.length, 'one key per label');
  assert.notDeepEqual(inboxCredentialKey(SECRET), inboxCredentialKey(`${SECRET}!`));
  assert.notEqual(loopSecrets(SECRET).hawkIdSecret, loopSecrets(`${SECRET}!`).hawkIdSecret);
  for (const value of Object.values(loopSecrets(SECRET))) assert.match(value, /^[0-9a-f]{32}$/);
  assert.equal(inboxCredentialKey(SECRET).length, 16); // a SipHash key
});
