import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLoopError, type LoopError } from '../../../src/loop/errors.ts';
import { WRONG_TYPE } from '../../../src/loop/input.ts';
import { missingForCreate, validateRoomFields, type RoomInput, type RoomSettings } from '../../../src/loop/rooms/validation.ts';
import { domainCounts, statusReport } from '../../../src/loop/rooms/status.ts';

const settings = {
  defaultTTL: 1344, maxTTL: 1344, extendTTL: 1344, participantTTL: 300, deletedTTL: 1620, maxSize: 5,
  maxRoomNameSize: 100, maxRoomOwnerSize: 255, tokenSize: 8,
} as RoomSettings;
const CONTEXT = { value: 'v', alg: 'a', wrappedKey: 'k' };
const error = (input: RoomInput, maxContextBytes?: number) => {
  const out = validateRoomFields(input, settings, maxContextBytes);
  assert.ok(isLoopError(out), `expected an error for ${JSON.stringify(input)}`);
  assert.equal(out.status, 400);
  assert.equal(out.errno, 107);
  return out.error;
};

test('the context size limit is the UTF-8 bytes of its JSON, exactly: escapes, non-ASCII, numbers and nesting', () => {
  const contexts = [
    { ...CONTEXT, pad: '\u0001\n"é€😀\ud800'.repeat(7) },
    { ...CONTEXT, n: [1e20, -1.2345678901234567e-7, 0.1, true, null, { deep: ['x', 'ü'] }] },
    { ...CONTEXT, ['k\u0002ÿ'.repeat(5)]: 'v' },
  ];
  for (const context of contexts) {
    const size = Buffer.byteLength(JSON.stringify(context));
    for (let limit = Math.max(1, size - 3); limit <= size + 3; limit++) {
      const out = validateRoomFields({ context, roomOwner: 'o', maxSize: 2 }, settings, limit);
      assert.equal(isLoopError(out), size > limit, `a ${size}-byte context against a limit of ${limit}`);
    }
  }
});

test('§8.3 missing parameters of a create, the context/roomName group first', () => {
  assert.deepEqual(missingForCreate({}), ['context,roomName', 'roomOwner', 'maxSize']);
  assert.deepEqual(missingForCreate({ context: WRONG_TYPE, roomOwner: WRONG_TYPE }), ['maxSize'], 'a present value of the wrong type is not missing');
  assert.deepEqual(missingForCreate({ roomName: 'n', roomOwner: 'o', maxSize: NaN }), [], 'an unparsable maxSize is not missing');
  assert.deepEqual(missingForCreate({ expiresIn: 3, channel: 'c' }), ['context,roomName', 'roomOwner', 'maxSize']);
});

test('§8.2 each rule in order, with its exact message', () => {
  assert.equal(error({ roomName: WRONG_TYPE, context: WRONG_TYPE }), 'roomName should be a string');
  assert.equal(error({ roomName: 'x'.repeat(101), context: CONTEXT, maxSize: 9 }), 'roomName should be shorter than 100 characters');
  assert.equal(error({ roomName: 'n', context: CONTEXT }), 'roomName has been deprecated, please store it encrypted inside the context.');
  assert.equal(error({ roomName: 'n', context: WRONG_TYPE }), 'roomName has been deprecated, please store it encrypted inside the context.');
  const badContext = 'context should be an object containing `value`, `alg` and `wrappedKey` properties.';
  for (const context of [WRONG_TYPE, {}, { value: 1, alg: 2 }, Object.create({ value: 1, alg: 2, wrappedKey: 3 })]) {
    assert.equal(error({ context, roomOwner: 'o'.repeat(300) }), badContext);
  }
  assert.equal(error({ context: { ...CONTEXT, pad: 'x'.repeat(100) } }, 100), 'context should not be larger than 100 bytes');
  assert.equal(error({ roomOwner: WRONG_TYPE, expiresIn: NaN }), 'roomOwner should be a string');
  assert.equal(error({ roomOwner: 'o'.repeat(256), expiresIn: NaN }), 'roomOwner should be shorter than 255 characters');
  assert.equal(error({ expiresIn: NaN, maxSize: 9 }), 'expiresIn should be a valid number');
  assert.equal(error({ expiresIn: 0 }), 'expiresIn should be a valid number');
  assert.equal(error({ expiresIn: -3 }), 'expiresIn should be a valid number');
  assert.equal(error({ expiresIn: 1345, maxSize: 0 }), 'expiresIn cannot be greater than 1344');
  assert.equal(error({ maxSize: 6, channel: WRONG_TYPE }), 'maxSize cannot be greater than 5');
  assert.equal(error({ maxSize: 0 }), 'maxSize should be a positive number');
  assert.equal(error({ maxSize: NaN }), 'maxSize should be a positive number');
  assert.equal(error({ channel: WRONG_TYPE }), 'channel should be a string');
});

test('§8.2 accepted values: defaults, limits inclusive, values of context not inspected, empty channel dropped', () => {
  assert.deepEqual(validateRoomFields({}, settings), { expiresIn: 1344 });
  const context = { value: null, alg: 0, wrappedKey: { any: 'thing' }, extra: true };
  assert.deepEqual(validateRoomFields({ context, roomOwner: 'o'.repeat(255), maxSize: 5, expiresIn: 2, channel: 'nightly' }, settings), {
    context, roomOwner: 'o'.repeat(255), maxSize: 5, expiresIn: 2, channel: 'nightly',
  });
  assert.deepEqual(validateRoomFields({ roomName: 'x'.repeat(100), channel: '' }, settings), { roomName: 'x'.repeat(100), expiresIn: 1344 });
  assert.deepEqual(validateRoomFields({ context: CONTEXT }, settings, Buffer.byteLength(JSON.stringify(CONTEXT))), { context: CONTEXT, expiresIn: 1344 });
});

test('§8.10 status: the five fields in order, counts integers ≥ 0', () => {
  const full = { event: 'e', state: { any: ['json'] }, connections: 2, sendStreams: 0, recvStreams: 1 };
  assert.deepEqual(statusReport(full), full);
  assert.deepEqual(Object.keys(statusReport({ recvStreams: 1, sendStreams: 0, connections: 2, state: null, event: 'e' })),
    ['event', 'state', 'connections', 'sendStreams', 'recvStreams'], 'null is present; the report keeps the spec order');
  const message = (input: Parameters<typeof statusReport>[0]) => (statusReport(input) as LoopError).error;
  assert.equal(message({}), "'event' field is missing in body.");
  assert.equal(message({ state: 's', connections: -1 }), "'event' field is missing in body.");
  assert.equal(message({ event: 'e', connections: NaN }), "'state' field is missing in body.");
  assert.equal(message({ ...full, connections: NaN, recvStreams: -2 }), 'Invalid connections number.');
  assert.equal(message({ ...full, sendStreams: undefined, recvStreams: -2 }), "'sendStreams' field is missing in body.");
  assert.equal(message({ ...full, recvStreams: -2 }), 'Invalid recvStreams number.');
  assert.equal((statusReport({}) as LoopError).errno, 107);
});

test('§8.10 logDomain: domains required (108), of the right shape (107)', () => {
  assert.deepEqual(domainCounts({ domains: [{ domain: 'a', count: 1 }] }), [{ domain: 'a', count: 1 }]);
  assert.deepEqual(domainCounts({ domains: [] }), []);
  const missing = domainCounts({}) as LoopError;
  assert.deepEqual([missing.status, missing.errno, missing.error], [400, 108, 'Missing: domains']);
  const wrong = domainCounts({ domains: WRONG_TYPE }) as LoopError;
  assert.deepEqual([wrong.status, wrong.errno, wrong.error], [400, 107, 'Domains must be a list of objects with both a ``domain`` and ``count`` property.']);
});
