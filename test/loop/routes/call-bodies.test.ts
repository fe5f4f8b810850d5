import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LoopBody } from '../../../src/loop/body.ts';
import { WRONG_TYPE } from '../../../src/loop/input.ts';
import { callRequest, callUrlRequest, calleesOf } from '../../../src/loop/routes/call-bodies.ts';

test('call body: callType any present value (null WRONG_TYPE), subject and channel with null absent', () => {
  assert.deepEqual(callRequest({}), {});
  assert.deepEqual(callRequest([] as unknown as LoopBody), {});
  assert.deepEqual(callRequest({ callType: 'audio', subject: 's', channel: 'c' }), { callType: 'audio', subject: 's', channel: 'c' });
  assert.deepEqual(callRequest({ callType: null, subject: null, channel: null }), { callType: WRONG_TYPE });
  assert.deepEqual(callRequest({ callType: 1, subject: [], channel: {} }), { callType: WRONG_TYPE, subject: WRONG_TYPE, channel: WRONG_TYPE });
});

test('POST /calls calleeId: the identities it names', () => {
  assert.deepEqual(calleesOf({ calleeId: 'A@x' }), ['a@x']);
  assert.deepEqual(calleesOf({ calleeId: ['a@x', { phoneNumber: '+33 6 12 34 56 78' }, 5] }), ['a@x', '+33612345678']);
  assert.deepEqual(calleesOf({}), []);
});

test('call URL body: expiresIn as an integer (null NaN), text fields with null absent', () => {
  assert.deepEqual(callUrlRequest({}), {});
  assert.deepEqual(callUrlRequest({ expiresIn: '5h', callerId: 'c', issuer: 'i', subject: 's' }), { expiresIn: 5, callerId: 'c', issuer: 'i', subject: 's' });
  assert.deepEqual(callUrlRequest({ expiresIn: null, callerId: null, issuer: null, subject: null }), { expiresIn: NaN });
  assert.deepEqual(callUrlRequest({ expiresIn: 'x', callerId: 1, issuer: {}, subject: [] }), {
    expiresIn: NaN, callerId: WRONG_TYPE, issuer: WRONG_TYPE, subject: WRONG_TYPE,
  });
});
