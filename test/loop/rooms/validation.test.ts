import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLoopError, type LoopError } from '../../../src/loop/errors.ts';
import { missingForCreate, validateRoomFields, type RoomSettings } from '../../../src/loop/rooms/validation.ts';
import { domainCounts, statusReport } from '../../../src/loop/rooms/status.ts';

const settings = {
  defaultTTL: 1344, maxTTL: 1344, extendTTL: 1344, participantTTL: 300, deletedTTL: 1620, maxSize: 5,
  maxRoomNameSize: 100, maxRoomOwnerSize: 255, tokenSize: 8,
} as RoomSettings;
const CONTEXT = { value: 'v', alg: 'a', wrappedKey: 'k' };
const error = (body: Record<string, unknown>) => {
  const out = validateRoomFields(body, settings);
  assert.ok(isLoopError(out), `expected an error for ${JSON.stringify(body)}`);
  return (out as LoopError).error;
};

test('§8.3 missing parameters of a create, the context/roomName group first', () => {
  assert.deepEqual(missingForCreate({}), ['context,roomName', 'roomOwner', 'maxSize']);
  assert.deepEqual(missingForCreate({ context: null, roomOwner: null }), ['maxSize'], 'null counts as present');
  assert.deepEqual(missingForCreate({ roomName: 'n', roomOwner: 'o', maxSize: 2 }), []);
  assert.deepEqual(missingForCreate([] as unknown as Record<string, unknown>), ['context,roomName', 'roomOwner', 'maxSize']);
});

test('§8.2 each rule in order, with its exact message', () => {
  assert.equal(error({ roomName: 'x'.repeat(101), context: CONTEXT, maxSize: 9 }), 'roomName should be shorter than 100 characters');
  assert.equal(error({ roomName: 'n', context: CONTEXT }), 'roomName has been deprecated, please store it encrypted inside the context.');
  const badContext = 'context should be an object containing `value`, `alg` and `wrappedKey` properties.';
  for (const context of [null, 'x', [], { value: 1, alg: 2 }, Object.create({ value: 1, alg: 2, wrappedKey: 3 })]) {
    assert.equal(error({ context, roomOwner: 'o'.repeat(300) }), badContext);
  }
  assert.equal(error({ roomOwner: 'o'.repeat(256), expiresIn: 'x' }), 'roomOwner should be shorter than 255 characters');
  assert.equal(error({ expiresIn: 'x', maxSize: 9 }), 'expiresIn should be a valid number');
  assert.equal(error({ expiresIn: 0 }), 'expiresIn should be a valid number');
  assert.equal(error({ expiresIn: '1345' }), 'expiresIn cannot be greater than 1344');
  assert.equal(error({ maxSize: 6 }), 'maxSize cannot be greater than 5');
  assert.equal(error({ maxSize: 0 }), 'maxSize should be a positive number');
  assert.equal(error({ maxSize: 'abc' }), 'maxSize should be a positive number');
});

test('§8.2 accepted values: integers from numbers or strings, defaults, values of context not inspected', () => {
  assert.deepEqual(validateRoomFields({}, settings), { expiresIn: 1344 });
  const context = { value: null, alg: 0, wrappedKey: { any: 'thing' }, extra: true };
  assert.deepEqual(validateRoomFields({ context, roomOwner: 'o'.repeat(255), maxSize: '5 people', expiresIn: 2.9, channel: 'nightly' }, settings), {
    context, roomOwner: 'o'.repeat(255), maxSize: 5, expiresIn: 2, channel: 'nightly',
  });
  assert.deepEqual(validateRoomFields({ roomName: 'x'.repeat(100), channel: '' }, settings), { roomName: 'x'.repeat(100), expiresIn: 1344 });
});

test('§8.10 status and logDomain bodies', () => {
  const full = { event: 'e', state: 's', connections: '2', sendStreams: 0, recvStreams: 1 };
  assert.deepEqual(statusReport(full), { event: 'e', state: 's', connections: 2, sendStreams: 0, recvStreams: 1 });
  assert.equal((statusReport({ state: 's' }) as LoopError).error, "'event' field is missing in body.");
  assert.equal((statusReport({ ...full, recvStreams: -2 }) as LoopError).error, 'Invalid recvStreams number.');
  assert.deepEqual(domainCounts({ domains: [{ domain: 'a', count: 1 }] }), [{ domain: 'a', count: 1 }]);
  assert.equal((domainCounts({}) as LoopError).errno, 108);
  assert.equal((domainCounts({ domains: [null] }) as LoopError).errno, 107);
  assert.equal((domainCounts({ domains: [{ count: 1 }] }) as LoopError).errno, 107);
});
