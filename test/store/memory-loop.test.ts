import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closeStores } from '../../src/store/index.ts';
import { smallStores } from './small-stores.ts';
import { MemoryLoopStore } from '../../src/store/memory/loop.ts';
import { FakeTime } from '../helpers/fake-time.ts';
import { runLoopStoreContract } from './loop-store-contract.ts';
import { session } from './loop-store-fixtures.ts';

runLoopStoreContract({
  name: 'memory loop store',
  make: (o) => new MemoryLoopStore({ clock: o.clock, limits: o.limits }),
  skip: [{
    reason: 'nonces are dropped oldest first, which is expiry order only because every caller gives the same lifetime (NONCE_TTL_MS)',
    tests: ['nonces: expired nonces make room again whatever their lifetimes'],
  }],
});

test('memory loop store: createStores builds one that sweeps itself on its timers until closed', async () => {
  const time = new FakeTime();
  const stores = smallStores(time, 100);
  assert.ok(stores.loop instanceof MemoryLoopStore);
  await stores.loop.createSession('s1', session('s1'), 1000);
  await stores.loop.createSession('s2', session('s2'), 1000);
  assert.equal((await stores.loop.stats()).sessions, 2);
  time.advance(30_000); // the sweep schedule: expired entries are dropped without any read
  assert.equal((await stores.loop.stats()).sessions, 0);
  await closeStores(stores);
  assert.equal(time.pendingCount, 0, 'closing stopped every sweeper');
});

test('memory loop store: call URLs beyond their entry cap push out the least recently used', async () => {
  const time = new FakeTime();
  const store = new MemoryLoopStore({ clock: time, limits: { sessions: 10, callUrls: 2, nonces: 10 } });
  const url = (token: string) => ({ token, userKey: 'u1', issuer: '', timestamp: 1, expires: 2 });
  for (const t of ['t1', 't2', 't3']) await store.putCallUrl(url(t), 60_000);
  assert.equal(await store.getCallUrl('t1'), undefined);
  assert.deepEqual((await store.listCallUrls('u1')).map((u) => u.token).sort(), ['t2', 't3'], 'the index follows an eviction');
  assert.equal(await store.countCallUrls('u1'), 2);
  await store.close();
});

test('memory loop store: the periodic sweep drops call URLs as they come due, and keeps a rewritten one until its new time', async () => {
  const time = new FakeTime();
  const stores = smallStores(time, 100);
  const url = (token: string) => ({ token, userKey: 'u1', issuer: '', timestamp: 1, expires: 2 });
  await stores.loop.putCallUrl(url('t1'), 10_000);
  await stores.loop.putCallUrl(url('t2'), 10_000);
  time.advance(5_000);
  await stores.loop.putCallUrl(url('t2'), 50_000); // rewritten: lives until 55 s
  time.advance(25_000); // the 30 s sweep
  assert.equal((await stores.loop.stats()).callUrls, 1);
  assert.notEqual(await stores.loop.getCallUrl('t2'), undefined);
  time.advance(30_000); // the 60 s sweep
  assert.equal((await stores.loop.stats()).callUrls, 0);
  await closeStores(stores);
});
