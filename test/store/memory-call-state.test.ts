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

test('memory: a user\'s call count follows creations, expiries, a reused id and deletions exactly (the list stays in expiry order)', async () => {
  const time = new FakeTime();
  const store = new MemoryCallStateStore({ clock: time, callDurationMs: durationMs });
  for (let i = 0; i < 50; i++) {
    await store.create(placed(`c${i}`), ['u', i % 2 === 0 ? 'even' : 'odd']);
    time.advance(1000);
  }
  assert.equal(await store.countCalls('u'), 50);
  await store.create(placed('c0'), ['u']); // c0 placed again: it now expires last
  time.advance(20_000); // 60 s or more after c1..c10 were placed, before the new c0 ends
  assert.equal(await store.countCalls('u'), 40);
  assert.equal(await store.countCalls('even'), 19, 'c2..c10 expired, c0 left the list when it was placed again');
  assert.equal(await store.countCalls('odd'), 20);
  await store.terminate('c20');
  assert.equal(await store.countCalls('u'), 40, 'terminated calls still count');
  assert.deepEqual(await store.create(placed('x'), ['u', 'odd'], 40), ['odd'], 'u is at the cap, odd is not');
  time.advance(38_500);
  assert.equal(await store.countCalls('u'), 2, 'c49 and the new c0 are left');
  time.advance(10_000);
  assert.equal(await store.countCalls('u'), 0);
  assert.equal(await store.countCalls('nobody'), 0);
});
