import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deliveryFor, type Recipient } from '../../../src/loop/progress/delivery.ts';

const callId = 'c';
const caller: Recipient = { role: 'caller', accepted: false, lastProgress: 'alerting' };
const calleeA: Recipient = { role: 'callee', accepted: true, lastProgress: 'alerting' };
const calleeB: Recipient = { role: 'callee', accepted: false, lastProgress: 'alerting' };

test('rule 1: connecting sends other callee devices away with answered-elsewhere and closes them', () => {
  assert.deepEqual(deliveryFor(calleeB, { callId, state: 'connecting' }), {
    send: { messageType: 'progress', state: 'terminated', reason: 'answered-elsewhere' },
    close: true,
  });
  assert.deepEqual(deliveryFor(calleeA, { callId, state: 'connecting' }), {
    send: { messageType: 'progress', state: 'connecting' },
    close: false,
  });
  assert.deepEqual(deliveryFor(caller, { callId, state: 'connecting' }), {
    send: { messageType: 'progress', state: 'connecting' },
    close: false,
  });
});

test('rule 1 comes before rule 2: a callee that already saw connecting is still sent away', () => {
  const seen: Recipient = { role: 'callee', accepted: false, lastProgress: 'connecting' };
  assert.equal(deliveryFor(seen, { callId, state: 'connecting' }).send?.reason, 'answered-elsewhere');
});

test('rule 2: the same state twice in a row is not sent, whatever the reason', () => {
  assert.deepEqual(deliveryFor(caller, { callId, state: 'alerting' }), { close: false });
  const ended: Recipient = { role: 'caller', accepted: false, lastProgress: 'terminated' };
  assert.deepEqual(deliveryFor(ended, { callId, state: 'terminated', reason: 'busy' }), { close: false });
  const half: Recipient = { role: 'caller', accepted: false, lastProgress: 'half-connected' };
  assert.deepEqual(deliveryFor(half, { callId, state: 'half-connected' }), { close: false });
});

test('rule 3: a new state is sent, a reason only with terminated', () => {
  assert.deepEqual(deliveryFor({ role: 'caller', accepted: false, lastProgress: undefined }, { callId, state: 'alerting' }), {
    send: { messageType: 'progress', state: 'alerting' },
    close: false,
  });
  assert.deepEqual(deliveryFor(caller, { callId, state: 'half-connected', reason: 'ignored' }), {
    send: { messageType: 'progress', state: 'half-connected' },
    close: false,
  });
  assert.deepEqual(deliveryFor(caller, { callId, state: 'terminated' }), {
    send: { messageType: 'progress', state: 'terminated' },
    close: true,
  });
});

test('rule 4: connected and terminated close the socket after sending', () => {
  assert.deepEqual(deliveryFor(calleeA, { callId, state: 'connected' }), {
    send: { messageType: 'progress', state: 'connected' },
    close: true,
  });
  assert.deepEqual(deliveryFor(calleeA, { callId, state: 'terminated', reason: 'timeout' }), {
    send: { messageType: 'progress', state: 'terminated', reason: 'timeout' },
    close: true,
  });
});
