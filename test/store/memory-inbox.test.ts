import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Clock } from '../../src/clock.ts';
import { MemoryInboxStore } from '../../src/store/memory/inbox.ts';
import { TTL, inboxStoreContract } from './inbox-store-contract.ts';

inboxStoreContract('memory', (o) => new MemoryInboxStore(o));

function setup(o: { clock: Clock }) {
  return { store: new MemoryInboxStore({ inboxTtlMs: TTL, inboxCapacity: 100, maxInboxes: 1000, maxQueuedBytes: 1 << 30, clock: o.clock }) };
}

test('sweep is O(expired): it stops at the first live idle inbox', async () => {
  // The store keeps inboxes in expiry order and walks only the expired prefix.
  // To see that it stops early, a clock that jumps back puts an expired inbox
  // behind a live one (a real monotonic clock never does): the sweep does not
  // reach it, and read-time expiry still hides it.
  let now = 1_000;
  const { store } = setup({ clock: { now: () => now } });
  await store.open('live', 's', true); // expires at TTL+1000
  now = 0;
  await store.open('expired-behind', 's', true); // expires at TTL
  now = TTL + 500;
  assert.equal(await store.sweep(), 0);
  assert.deepEqual(await store.stats(), { inboxes: 2, messages: 0, bytes: 0 });
  assert.equal(await store.exists('expired-behind'), false);
  assert.deepEqual(await store.stats(), { inboxes: 1, messages: 0, bytes: 0 });
});
