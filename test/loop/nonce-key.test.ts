import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nonceKey } from '../../src/loop/nonce-key.ts';

const KEY = 'a'.repeat(64);

test('a nonce key is a 16-char digest of key, ts and nonce: equal triples give equal keys, any difference another', () => {
  const k = nonceKey(KEY, '1700000000', 'abc123');
  assert.equal(k.length, 16);
  assert.equal(nonceKey(KEY, '1700000000', 'abc123'), k);
  const others = [
    nonceKey(`b${KEY.slice(1)}`, '1700000000', 'abc123'),
    nonceKey(KEY, '1700000001', 'abc123'),
    nonceKey(KEY, '1700000000', 'abc124'),
    nonceKey(KEY, '170000000', '0abc123'), // the separators count: the same characters split otherwise
  ];
  assert.equal(new Set([k, ...others]).size, others.length + 1);
});

test('a triple longer than the scratch room is digested the same way', () => {
  const nonce = 'n'.repeat(20_000);
  const k = nonceKey(KEY, '1', nonce);
  assert.equal(k.length, 16);
  assert.equal(nonceKey(KEY, '1', nonce), k);
  assert.notEqual(nonceKey(KEY, '1', `${nonce}x`), k);
});
