import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closeStores } from '../../src/store/index.ts';
import { smallStores } from './small-stores.ts';
import { ExpiryBuckets } from '../../src/store/memory/expiry-buckets.ts';
import { MemoryLoopRoomStore } from '../../src/store/memory/rooms.ts';
import { FakeTime } from '../helpers/fake-time.ts';
import { runRoomStoreContract } from './room-store-contract.ts';
import { person, room, seat } from './room-store-fixtures.ts';

runRoomStoreContract({ name: 'memory room store', make: (o) => new MemoryLoopRoomStore({ clock: o.clock }) });

test('memory room store: expired participants come out within one 250 ms bucket', async () => {
  const time = new FakeTime();
  const store = new MemoryLoopRoomStore({ clock: time });
  await store.createRoom(room('r1'), 100_000);
  await seat(store, 'r1', person('a'), 1000, 100_000);
  await seat(store, 'r1', person('b'), 1001, 100_000);
  time.advance(999);
  assert.deepEqual(await store.expireParticipants(), []);
  time.advance(1);
  assert.deepEqual((await store.expireParticipants()).map((e) => e.participants.map((p) => p.key)), [['a']], 'on time at a bucket edge');
  time.advance(249);
  assert.deepEqual(await store.expireParticipants(), [], 'b waits for the end of its bucket');
  time.advance(1);
  assert.deepEqual((await store.expireParticipants()).map((e) => e.participants.map((p) => p.key)), [['b']]);
});

test('memory room store: the expiry index holds only live participants (refresh, re-join and leave take old entries out)', async () => {
  const time = new FakeTime();
  const store = new MemoryLoopRoomStore({ clock: time });
  await store.createRoom(room('r1'), 100_000);
  await seat(store, 'r1', person('a'), 1000, 100_000);
  await seat(store, 'r1', person('b'), 1000, 100_000);
  assert.equal(store.filedExpiries, 2);
  for (let i = 0; i < 10; i++) {
    time.advance(300);
    assert.equal(await store.touchParticipant('r1', 'a', 1000), true);
  }
  await seat(store, 'r1', person('b'), 5000, 100_000); // joins again
  assert.equal(store.filedExpiries, 2, 'one entry per participant, however often refreshed');
  assert.equal(await store.deleteParticipant('r1', 'b'), true);
  assert.equal(store.filedExpiries, 1);
  time.advance(1250); // a's last refresh has run out
  assert.deepEqual((await store.expireParticipants()).map((e) => e.participants.map((p) => p.key)), [['a']]);
  assert.equal(store.filedExpiries, 0);
  assert.deepEqual(await store.expireParticipants(), []);
});

test('memory room store: a room that goes takes its participants\' expiries and its owner index entry with it', async () => {
  const time = new FakeTime();
  const store = new MemoryLoopRoomStore({ clock: time, limits: { rooms: 2 } });
  const week = 7 * 86_400_000;
  for (const token of ['r1', 'r2']) {
    await store.createRoom(room(token), week);
    await seat(store, token, person('a'), week, week);
    await seat(store, token, person('b'), week, week);
  }
  assert.equal(store.filedExpiries, 4);
  assert.equal(await store.deleteRoom('r1'), true);
  assert.equal(store.filedExpiries, 2, 'a deleted room\'s participants are not kept for their week');
  await store.createRoom(room('r3'), week);
  await store.createRoom(room('r4'), week); // pushes out r2, the least recently used
  assert.equal(await store.getRoom('r2'), undefined);
  assert.equal(store.filedExpiries, 0, 'nor an evicted room\'s');
  await seat(store, 'r4', person('a'), week, week);
  await store.createRoom({ ...room('r4'), ownerKey: 'other' }, week); // the same token again: the room is replaced
  assert.equal(store.filedExpiries, 0);
  assert.deepEqual((await store.listRooms('other')).map((r) => r.roomToken), ['r4']);
  assert.deepEqual((await store.listRooms(room('r4').ownerKey)).map((r) => r.roomToken), ['r3']);
  assert.deepEqual(await store.listParticipants('r4'), []);
  await store.close();
});

test('memory room store: the due index holds only the deleted-room notices held (evicted beyond the cap or rewritten ones are taken out)', async () => {
  const time = new FakeTime();
  const store = new MemoryLoopRoomStore({ clock: time, limits: { deletedNotices: 50 } });
  for (let i = 0; i < 500; i++) await store.addDeletedNotice('owner', { roomToken: `r${i}`, deletedAt: i }, 1_620_000);
  assert.equal((await store.listDeletedNotices('owner')).length, 50);
  assert.equal(store.filedNotices, 50, 'the 450 notices pushed out are not kept for their lifetime');
  time.advance(5000);
  await store.addDeletedNotice('owner', { roomToken: 'r499', deletedAt: 600 }, 1_620_000); // rewritten, into a later bucket
  assert.equal(store.filedNotices, 50);
  await store.close();
  assert.equal(store.filedNotices, 0);
});

test('memory room store: createStores builds one that sweeps itself until closed; close forgets everything', async () => {
  const time = new FakeTime();
  const stores = smallStores(time);
  assert.ok(stores.rooms instanceof MemoryLoopRoomStore);
  await stores.rooms.createRoom(room('r1'), 1000);
  await stores.rooms.addDeletedNotice('u1', { roomToken: 'r0', deletedAt: 1 }, 1000);
  await stores.rooms.addDeletedNotice('u2', { roomToken: 'r3', deletedAt: 12 }, 60_000);
  time.advance(30_000); // the sweep schedule: expired entries are dropped without any read
  assert.deepEqual(await stores.rooms.stats(), { rooms: 0, participants: 0, deletedNotices: 1 });
  await closeStores(stores);
  assert.equal(time.pendingCount, 0, 'closing stopped every sweeper');
  assert.deepEqual(await stores.rooms.listDeletedNotices('u2'), []);
});

test('expiry buckets: keys come out once, never before their time, at most one width late', () => {
  const b = new ExpiryBuckets(250, 0);
  b.file('a', 100);
  b.file('b', 250);
  b.file('c', 251);
  assert.deepEqual(b.due(249), []);
  assert.deepEqual(b.due(250).sort(), ['a', 'b']);
  assert.deepEqual(b.due(499), []);
  assert.deepEqual(b.due(500), ['c']);
  b.file('late', 10); // filed for a time already swept: comes out at the next bucket
  assert.deepEqual(b.due(750), ['late']);
  b.file('far', 86_400_000);
  assert.deepEqual(b.due(86_400_000), ['far'], 'a long jump walks the existing buckets');
});

test('expiry buckets: unfile takes a key out of the bucket file returned; other keys and buckets stay', () => {
  const b = new ExpiryBuckets(250, 0);
  const ba = b.file('a', 100);
  const bb = b.file('b', 100);
  assert.equal(ba, bb);
  const bc = b.file('c', 600);
  assert.equal(b.size, 3);
  b.unfile('a', ba);
  b.unfile('c', bc); // its bucket is now empty and goes
  b.unfile('c', bc); // twice: nothing there
  b.unfile('b', bc); // wrong bucket: b stays where it is
  assert.equal(b.size, 1);
  assert.deepEqual(b.due(1000), ['b']);
  b.unfile('b', bb); // a bucket already handed out
  assert.equal(b.size, 0);
});

test('memory room store: the periodic sweep keeps a room whose lifetime a join extended, and drops it once that is over', async () => {
  const time = new FakeTime();
  const stores = smallStores(time);
  await stores.rooms.createRoom(room('r1'), 40_000);
  await stores.rooms.createRoom(room('r2'), 40_000);
  time.advance(20_000);
  assert.equal(await seat(stores.rooms, 'r1', person('a'), 1000, 40_000), true); // r1 now lives until 60 s
  time.advance(40_000); // sweeps at 30 s and 60 s: r2 came due at 40 s, r1's old time passed, its new one at 60 s
  assert.deepEqual((await stores.rooms.stats()).rooms, 0, 'both gone at the 60 s sweep');
  assert.equal(await stores.rooms.countRooms('u1'), 0, 'the owner index follows');
  await closeStores(stores);
});

test('memory room store: a room still live when its old time comes due survives the sweep', async () => {
  const time = new FakeTime();
  const stores = smallStores(time);
  await stores.rooms.createRoom(room('r1'), 25_000);
  time.advance(20_000);
  assert.equal(await seat(stores.rooms, 'r1', person('a'), 1000, 100_000), true); // until 120 s
  time.advance(40_000); // sweeps at 30 s and 60 s
  assert.equal((await stores.rooms.stats()).rooms, 1);
  assert.notEqual(await stores.rooms.getRoom('r1'), undefined);
  time.advance(60_000); // the 120 s sweep
  assert.equal((await stores.rooms.stats()).rooms, 0);
  await closeStores(stores);
});
