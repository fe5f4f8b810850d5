import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
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

test('a touch within a second of the last move only extends the expiry; sweeps still drop each inbox at its own expiry', async () => {
  // 'first' is touched in the second it was placed, so it stays in front of 'second' with a later expiry:
  // the sweep must pass over it, not stop there, to reach 'second'; and drop it once it expires too.
  let now = 0;
  const { store } = setup({ clock: { now: () => now } });
  await store.open('first', 's', true);
  await store.open('second', 's', true); // expires at TTL
  now = 600;
  await store.open('first', 's', true); // expires at TTL + 600, not moved
  now = TTL;
  assert.equal(await store.sweep(), 1, "'second' expired behind a live inbox");
  assert.equal(await store.exists('first'), true);
  now = TTL + 599;
  assert.equal(await store.sweep(), 0);
  now = TTL + 600;
  assert.equal(await store.sweep(), 1, "'first' at its extended expiry");
  assert.deepEqual(await store.stats(), { inboxes: 0, messages: 0, bytes: 0 });
});

test('a touch a second or more after the last move moves the inbox back, so the sweep stops in front of it', async () => {
  let now = 0;
  const { store } = setup({ clock: { now: () => now } });
  await store.open('a', 's', true);
  await store.open('b', 's', true);
  now = 1_000;
  await store.open('a', 's', true); // moved behind 'b': expires at TTL + 1000
  now = TTL;
  assert.equal(await store.sweep(), 1); // 'b'
  now = TTL + 999;
  assert.equal(await store.sweep(), 0);
  assert.equal(await store.exists('a'), true);
  now = TTL + 1_000;
  assert.equal(await store.sweep(), 1);
});

test('a queued body keeps only its own bytes alive, not the larger buffer it is a slice of', async () => {
  // Small request bodies are slices of Node's shared 8 KiB slabs: a queue holding the slices would hold the slabs.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const { store } = setup({ clock: { now: () => 0 } });
  const names = Array.from({ length: 20 }, (_, i) => `box-${i}`);
  for (const name of names) await store.open(name, 's', true);
  gc();
  const before = process.memoryUsage().arrayBuffers;
  for (let i = 0; i < 2000; i++) {
    const slab = new Uint8Array(32 * 1024).fill(i % 251);
    assert.equal(await store.send(names[i % 20], { from: 'a', contentType: 'text/plain', body: slab.subarray(0, 150) }), 'ok');
  }
  // V8 frees the backing stores of dead ArrayBuffers after the collection, on another thread: give it a few turns.
  let held = Infinity;
  for (let round = 0; round < 5 && held >= 8 * 1024 * 1024; round++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    held = process.memoryUsage().arrayBuffers - before;
  }
  assert.ok(held < 8 * 1024 * 1024, `2,000 queued 150-byte bodies hold ${held} bytes of buffers (their 32 KiB sources: 64 MiB)`);
  assert.deepEqual(await store.stats(), { inboxes: 20, messages: 2000, bytes: 2000 * 150 });
  const first = (await store.take('box-0'))!;
  assert.equal(first.body.byteLength, 150);
  assert.ok(first.body.every((b) => b === 0));
});
