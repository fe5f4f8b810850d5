import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closeStores } from '../../src/store/index.ts';
import { smallStores } from './small-stores.ts';
import { MemoryLoopStore, PURGE_STEP_EVERY_MS } from '../../src/store/memory/loop.ts';
import { PURGE_STEP_ENTRIES } from '../../src/store/memory/used-sessions.ts';
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

test('memory loop store: the due index holds only the call URLs held (evicted, rewritten and revoked ones are taken out)', async () => {
  const time = new FakeTime();
  const store = new MemoryLoopStore({ clock: time, limits: { sessions: 10, callUrls: 100, nonces: 10 } });
  const url = (token: string) => ({ token, userKey: 'u1', issuer: '', timestamp: 1, expires: 2 });
  const month = 30 * 86_400_000;
  for (let i = 0; i < 1000; i++) await store.putCallUrl(url(`t${i}`), month);
  assert.equal((await store.stats()).callUrls, 100);
  assert.equal(store.filedCallUrls, 100, 'the 900 URLs pushed out beyond the cap are not kept for their month');
  for (let i = 0; i < 10; i++) {
    time.advance(2000); // each rewrite files the URL into a later bucket
    await store.putCallUrl(url('t999'), month);
  }
  assert.equal(store.filedCallUrls, 100, 'one entry per URL, however often rewritten');
  await store.deleteCallUrl('t999');
  assert.equal(store.filedCallUrls, 99);
  await store.close();
  assert.equal(store.filedCallUrls, 0);
});

/** A store whose used-session budget is full: `live` sessions for a day, then `expiring` ones for `expiringTtlMs`. */
async function fullStore(live: number, expiring: number, expiringTtlMs: number, sweepEveryMs?: number) {
  const time = new FakeTime();
  const store = new MemoryLoopStore({
    clock: time,
    limits: { sessions: live + expiring, unusedSessions: 10, callUrls: 10, nonces: 10 },
    sweep: sweepEveryMs === undefined ? undefined : { timers: time, everyMs: sweepEveryMs },
  });
  const day = 86_400_000;
  const used: string[] = [];
  for (let i = 0; i < live + expiring; i++) {
    const id = `u${i}`;
    const ttlMs = i < live ? day : expiringTtlMs;
    await store.createSession(id, session(id), ttlMs);
    await store.touchSession(id, ttlMs);
    used.push(id);
  }
  for (const id of ['f0', 'f1']) await store.createSession(id, session(id), day);
  return { time, store, day, live: used.slice(0, live) };
}

test('memory loop store: at the used cap, expired sessions make room a bounded step at a time, never a live one', async () => {
  const extra = 100;
  const { time, store, day, live } = await fullStore(PURGE_STEP_ENTRIES, extra, 1000);
  time.advance(1000); // the last `extra` expired; their bucket is a minute away, so only a purge step finds them
  await store.touchSession('f0', day);
  assert.deepEqual(await store.stats(), { sessions: live.length + extra + 2, unusedSessions: 2, callUrls: 0 },
    'the first step visited the first PURGE_STEP_ENTRIES sessions, all live: f0 stays never-used');
  time.advance(PURGE_STEP_EVERY_MS);
  await store.touchSession('f0', day); // the next step reaches the expired ones
  assert.deepEqual(await store.stats(), { sessions: live.length + 2, unusedSessions: 1, callUrls: 0 }, 'f0 used, the expired ones dropped');
  await store.touchSession('f1', day); // room left over: no step needed
  assert.deepEqual(await store.stats(), { sessions: live.length + 2, unusedSessions: 0, callUrls: 0 });
  for (const id of live) assert.ok(await store.getSession(id), `${id} kept`);
  await store.close();
});

test('memory loop store: at the used cap, purge steps are spaced PURGE_STEP_EVERY_MS apart; what came due makes room at once', async () => {
  const { time, store, day } = await fullStore(2, 1, 5);
  await store.touchSession('f0', day); // a step: nothing expired yet
  time.advance(5); // u2 expired
  await store.touchSession('f0', day);
  assert.deepEqual(await store.stats(), { sessions: 5, unusedSessions: 2, callUrls: 0 }, 'too soon for another step: u2 still holds its place');
  assert.equal(await store.getSession('u2'), undefined, 'though it reads as gone');
  time.advance(PURGE_STEP_EVERY_MS - 5);
  await store.touchSession('f0', day);
  assert.deepEqual(await store.stats(), { sessions: 4, unusedSessions: 1, callUrls: 0 }, 'the next step dropped u2: f0 is used');
  await store.close();

  const late = await fullStore(2, 1, 60_000); // u2's bucket comes due at 60 s
  late.time.advance(59_999);
  await late.store.touchSession('f0', day); // a step: u2 still live
  late.time.advance(1);
  await late.store.touchSession('f0', day); // no step yet, but u2 came due
  assert.deepEqual(await late.store.stats(), { sessions: 4, unusedSessions: 1, callUrls: 0 });
  for (const id of ['u0', 'u1', 'f0']) assert.ok(await late.store.getSession(id));
  await late.store.close();
});

test('memory loop store: the periodic sweep lets go of the purge cursor after a minute without steps, so the next pass starts over', async () => {
  const { time, store, day } = await fullStore(PURGE_STEP_ENTRIES, 100, 100_000, 30_000); // the last 100 expire at 100 s, due at 120 s
  await store.touchSession('f0', day); // step 1: the first PURGE_STEP_ENTRIES, all live
  time.advance(100_000); // sweeps at 30, 60 (a minute idle: cursor dropped) and 90 s
  await store.touchSession('f0', day); // starts over: the same live ones
  assert.equal((await store.stats()).unusedSessions, 2, 'f0 still never-used');
  time.advance(PURGE_STEP_EVERY_MS);
  await store.touchSession('f0', day); // resumes: reaches the expired ones
  assert.equal((await store.stats()).unusedSessions, 1, 'f0 used');
  await store.close();
});
