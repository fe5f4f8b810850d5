import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sameText } from '../../src/crypto/same-text.ts';

test('sameText: equal strings only, whichever char differs', () => {
  const digest = '\u0000\u00ff\u0080abcdefghijklm';
  assert.equal(sameText(digest, digest.slice()), true);
  assert.equal(sameText('', ''), true);
  for (let i = 0; i < digest.length; i++) {
    const other = digest.slice(0, i) + String.fromCharCode(digest.charCodeAt(i) ^ 1) + digest.slice(i + 1);
    assert.equal(sameText(digest, other), false, `differs at ${i}`);
  }
  assert.equal(sameText(digest, digest.slice(1)), false, 'shorter');
  assert.equal(sameText('ab', 'abc'), false);
});
