import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PlacedCall } from '../../src/store/call-state.ts';
import { MemoryCallStateStore } from '../../src/store/memory/call-state.ts';
import { FakeTime } from '../helpers/fake-time.ts';
import { callStateStoreContract } from './call-state-contract.ts';

const durationMs = 60_000;
const placed = (callId: string): PlacedCall => ({
  callId, wsCallerToken: 'x', wsCalleeToken: 'y', callType: 'audio', timestamp: 1, apiKey: 'k', sessionId: 's', calleeToken: 't',
});

callStateStoreContract('memory', () => {
  const time = new FakeTime();
  return { store: new MemoryCallStateStore({ clock: time, callDurationMs: durationMs }), advance: async (ms) => time.advance(ms), durationMs };
});

test('memory: expired calls are dropped by the next create, in expiry order, without being read', async () => {
  const time = new FakeTime();
  const store = new MemoryCallStateStore({ clock: time, callDurationMs: durationMs });
  await store.create(placed('a'), ['u']);
  time.advance(10_000);
  await store.create(placed('b'), ['u']);
  time.advance(50_000); // a is expired, b not yet
  await store.create(placed('c'), ['u']);
  assert.equal(store.size, 2);
  assert.equal(await store.get('a'), undefined);
  time.advance(10_000);
  assert.equal(store.sweep(), 1);
  assert.equal(store.size, 1);
  assert.ok(await store.get('c'));
});

test('memory: get returns a copy, not the live record', async () => {
  const time = new FakeTime();
  const store = new MemoryCallStateStore({ clock: time, callDurationMs: durationMs });
  await store.create(placed('a'), ['u']);
  const snapshot = await store.get('a');
  await store.addMarker('a', 'init.caller', ['init']);
  await store.join({ callId: 'a', deviceId: 'd' }, 'caller', 60_000);
  assert.deepEqual(snapshot?.markers, ['init']);
  assert.deepEqual(snapshot?.devices, { caller: 0, callee: 0 });
});

test('memory: past maxCalls live calls, create stores nothing until calls expire', async () => {
  const time = new FakeTime();
  const store = new MemoryCallStateStore({ clock: time, callDurationMs: durationMs, maxCalls: 2 });
  assert.deepEqual(await store.create(placed('a'), ['u']), ['u']);
  assert.deepEqual(await store.create(placed('b'), ['v']), ['v']);
  assert.deepEqual(await store.create(placed('c'), ['w']), []);
  assert.equal(await store.get('c'), undefined);
  time.advance(durationMs);
  assert.deepEqual(await store.create(placed('c'), ['w']), ['w']);
});
