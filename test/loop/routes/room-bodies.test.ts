import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LoopBody } from '../../../src/loop/body.ts';
import { WRONG_TYPE } from '../../../src/loop/input.ts';
import {
  bulkDelete, domainLogInput, joinRequest, roomInput, roomsSince, statusInput,
} from '../../../src/loop/routes/room-bodies.ts';

const CONTEXT = { value: 'v', alg: 'a', wrappedKey: 'k' };
const ARRAY_BODY = [{ roomName: 'n' }] as unknown as LoopBody;

test('room create/update bodies: strings, integers as parsed (NaN when not), null present except for channel', () => {
  assert.deepEqual(roomInput({}), {});
  assert.deepEqual(roomInput(ARRAY_BODY), {}, 'an array body has none of the keys');
  assert.deepEqual(roomInput({ roomName: 'n', context: CONTEXT, roomOwner: 'o', expiresIn: '2.9', maxSize: '5 people', channel: 'c', other: 1 }), {
    roomName: 'n', context: CONTEXT, roomOwner: 'o', expiresIn: 2, maxSize: 5, channel: 'c',
  });
  assert.deepEqual(roomInput({ roomName: null, context: null, roomOwner: null, expiresIn: null, maxSize: null, channel: null }), {
    roomName: WRONG_TYPE, context: WRONG_TYPE, roomOwner: WRONG_TYPE, expiresIn: NaN, maxSize: NaN,
  });
  assert.deepEqual(roomInput({ roomName: 1, context: [CONTEXT], roomOwner: {}, expiresIn: 'x', maxSize: [], channel: 3 }), {
    roomName: WRONG_TYPE, context: WRONG_TYPE, roomOwner: WRONG_TYPE, expiresIn: NaN, maxSize: NaN, channel: WRONG_TYPE,
  });
  assert.deepEqual(roomInput({ context: 'x' }), { context: WRONG_TYPE });
  const partial = { value: 1 };
  assert.equal(roomInput({ context: partial }).context, partial, 'an object passes; its keys are the domain\'s to check');
  assert.deepEqual(roomInput({ expiresIn: [3, 4], maxSize: 2.5 }), { expiresIn: 3, maxSize: 2 }, 'parseInt(String(v)) as the original did');
});

test('bulk delete body: an array of strings, anything else WRONG_TYPE', () => {
  assert.deepEqual(bulkDelete({}), {});
  assert.deepEqual(bulkDelete({ deleteRoomTokens: ['a', 'b'] }), { deleteRoomTokens: ['a', 'b'] });
  assert.deepEqual(bulkDelete({ deleteRoomTokens: [] }), { deleteRoomTokens: [] });
  for (const bad of [null, 'a', ['a', 1], [null], { 0: 'a' }]) assert.deepEqual(bulkDelete({ deleteRoomTokens: bad }), { deleteRoomTokens: WRONG_TYPE });
});

test('GET /rooms version: an integer, 0 when absent or not a number', () => {
  assert.equal(roomsSince(null), 0);
  assert.equal(roomsSince(''), 0);
  assert.equal(roomsSince('abc'), 0);
  assert.equal(roomsSince('1700000000'), 1_700_000_000);
  assert.equal(roomsSince('12abc'), 12);
  assert.equal(roomsSince('-5'), -5);
});

test('join body: displayName a string (null WRONG_TYPE), clientMaxSize an integer (NaN when not)', () => {
  assert.deepEqual(joinRequest({}), {});
  assert.deepEqual(joinRequest({ displayName: 'Al', clientMaxSize: '3' }), { displayName: 'Al', clientMaxSize: 3 });
  assert.deepEqual(joinRequest({ displayName: null, clientMaxSize: null }), { displayName: WRONG_TYPE, clientMaxSize: NaN });
  assert.deepEqual(joinRequest({ displayName: 5, clientMaxSize: 'many' }), { displayName: WRONG_TYPE, clientMaxSize: NaN });
});

test('status body: event and state as given (null present), counts as integers', () => {
  assert.deepEqual(statusInput({}), {});
  assert.deepEqual(statusInput({ event: null, state: { a: 1 }, connections: '2', sendStreams: 'x', recvStreams: -1 }), {
    event: null, state: { a: 1 }, connections: 2, sendStreams: NaN, recvStreams: -1,
  });
});

test('logDomain body: a list of objects with own domain and count, copied to just those keys', () => {
  assert.deepEqual(domainLogInput({}), {});
  assert.deepEqual(domainLogInput({ domains: [{ domain: 'a', count: 1, extra: true }] }), { domains: [{ domain: 'a', count: 1 }] });
  for (const bad of [null, 'a', [null], [[]], [{ count: 1 }], [{ domain: 'a' }], [Object.create({ domain: 'a', count: 1 })]]) {
    assert.deepEqual(domainLogInput({ domains: bad }), { domains: WRONG_TYPE }, JSON.stringify(bad));
  }
});
