import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callFields } from '../../../src/loop/calls/fields.ts';
import { isLoopError } from '../../../src/loop/errors.ts';
import { WRONG_TYPE } from '../../../src/loop/input.ts';

const failure = (v: unknown): [number, number, unknown] => {
  assert.ok(isLoopError(v), `expected an error, got ${JSON.stringify(v)}`);
  return [v.status, v.errno, v.error];
};
const BAD_TYPE: [number, number, string] = [400, 107, "callType should be 'audio' or 'audio-video'"];

test('§7.2/§7.3 call fields: callType required and one of two; subject and channel optional', () => {
  assert.deepEqual(callFields({ callType: 'audio' }, 124), { callType: 'audio', channel: 'default' });
  assert.deepEqual(callFields({ callType: 'audio-video', subject: 's'.repeat(124), channel: 'nightly' }, 124), {
    callType: 'audio-video', subject: 's'.repeat(124), channel: 'nightly',
  });
  assert.deepEqual(callFields({ callType: 'audio', channel: '' }, 124), { callType: 'audio', channel: 'default' });
  assert.deepEqual(Object.keys(callFields({ callType: 'audio', subject: '' }, 124)), ['callType', 'subject', 'channel']);
});

test('§7.2/§7.3 call fields: errors in order, with exact errno and message', () => {
  assert.deepEqual(failure(callFields({ subject: WRONG_TYPE }, 124)), [400, 108, 'Missing: callType']);
  assert.deepEqual(failure(callFields({ callType: WRONG_TYPE, subject: WRONG_TYPE }, 124)), BAD_TYPE);
  assert.deepEqual(failure(callFields({ callType: 'video' }, 124)), BAD_TYPE);
  assert.deepEqual(failure(callFields({ callType: 'AUDIO' }, 124)), BAD_TYPE);
  assert.deepEqual(failure(callFields({ callType: 'audio', subject: WRONG_TYPE, channel: WRONG_TYPE }, 124)), [400, 107, 'subject should be a string']);
  assert.deepEqual(failure(callFields({ callType: 'audio', subject: 's'.repeat(5), channel: WRONG_TYPE }, 4)),
    [400, 107, 'Call subject should be shorter than 4 characters']);
  assert.deepEqual(failure(callFields({ callType: 'audio', channel: WRONG_TYPE }, 124)), [400, 107, 'channel should be a string']);
});
