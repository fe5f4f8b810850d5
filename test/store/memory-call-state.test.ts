import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryCallStateStore } from '../../src/store/memory/call-state.ts';
import { FakeTime } from '../helpers/fake-time.ts';
import { callStateStoreContract } from './call-state-contract.ts';

const durationMs = 60_000;

callStateStoreContract('memory', () => {
  const time = new FakeTime();
  return { store: new MemoryCallStateStore({ clock: time, callDurationMs: durationMs }), advance: async (ms) => time.advance(ms), durationMs };
});

test('memory: expired calls are dropped by the next create, in expiry order, without being read', async () => {
  const time = new FakeTime();
  const store = new MemoryCallStateStore({ clock: time, callDurationMs: durationMs });
  await store.create({ callId: 'a', wsCallerToken: 'x', wsCalleeToken: 'y' });
  time.advance(10_000);
  await store.create({ callId: 'b', wsCallerToken: 'x', wsCalleeToken: 'y' });
  time.advance(50_000); // a is expired, b not yet
  await store.create({ callId: 'c', wsCallerToken: 'x', wsCalleeToken: 'y' });
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
  await store.create({ callId: 'a', wsCallerToken: 'x', wsCalleeToken: 'y' });
  const snapshot = await store.get('a');
  await store.addMarker('a', 'init.caller', ['init']);
  await store.incDevices('a', 'caller');
  assert.deepEqual(snapshot?.markers, ['init']);
  assert.deepEqual(snapshot?.devices, { caller: 0, callee: 0 });
});
