import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryLoopRoomStore } from '../../src/store/memory/rooms.ts';
import type { ParticipantRecord, RoomRecord } from '../../src/store/rooms.ts';
import { FakeTime } from '../helpers/fake-time.ts';

const room = (roomToken: string, ownerKey = 'u1'): RoomRecord => ({
  roomToken, context: null, roomOwner: 'O', maxSize: 5, expiresIn: 1, creationTime: 1, ctime: 1, expiresAt: 2,
  ownerKey, channel: 'default', apiKey: 'k', sessionId: 's',
});
const person = (key: string): ParticipantRecord => ({ key, roomConnectionId: `id-${key}`, displayName: key, clientMaxSize: 5 });

test('memory room store: rooms expire and can be patched, deleted and listed by owner', async () => {
  const time = new FakeTime();
  const store = new MemoryLoopRoomStore({ clock: time });
  await store.createRoom(room('r1'), 1000);
  await store.createRoom(room('r2'), 5000);
  await store.createRoom(room('r3', 'u2'), 5000);
  assert.deepEqual((await store.listRooms('u1')).map((r) => r.roomToken).sort(), ['r1', 'r2']);
  const patched = await store.updateRoom('r1', { ctime: 7, roomName: 'n' }, 3000);
  assert.equal(patched?.ctime, 7);
  assert.equal((await store.getRoom('r1'))?.roomName, 'n');
  time.advance(2000);
  assert.ok(await store.getRoom('r1'), 'the patch restarted its lifetime');
  time.advance(1001);
  assert.equal(await store.getRoom('r1'), undefined);
  assert.equal(await store.updateRoom('r1', { ctime: 9 }, 1000), undefined);
  assert.equal(await store.putParticipant('r1', person('a'), 1000), false, 'no participant in a dead room');
  assert.equal(await store.deleteRoom('r2'), true);
  assert.equal(await store.deleteRoom('r2'), false);
  await store.sweep();
  assert.deepEqual(await store.listRooms('u1'), []);
  assert.deepEqual((await store.stats()).rooms, 1);
});

test('memory room store: participants live ttl, refresh restarts it, expiry returns them once per room', async () => {
  const time = new FakeTime();
  const store = new MemoryLoopRoomStore({ clock: time });
  await store.createRoom(room('r1'), 100_000);
  await store.createRoom(room('r2'), 100_000);
  await store.putParticipant('r1', person('a'), 1000);
  await store.putParticipant('r1', person('b'), 1000);
  await store.putParticipant('r2', person('c'), 1000);
  time.advance(600);
  assert.equal(await store.touchParticipant('r1', 'b', 1000), true);
  assert.deepEqual(await store.expireParticipants(), [], 'nothing due yet');
  time.advance(500); // a is past its ttl
  assert.equal(await store.getParticipant('r1', 'a'), undefined, 'reads hide an expired participant before the sweep');
  assert.deepEqual((await store.listParticipants('r1')).map((p) => p.key), ['b']);
  assert.equal(await store.touchParticipant('r1', 'a', 1000), false);
  time.advance(250); // its bucket is due
  const expired = await store.expireParticipants();
  assert.deepEqual(expired.map((e) => [e.roomToken, e.participants.map((p) => p.key)]).sort(), [['r1', ['a']], ['r2', ['c']]]);
  assert.deepEqual(await store.expireParticipants(), [], 'returned once');
  time.advance(1000);
  assert.deepEqual((await store.expireParticipants()).map((e) => e.participants.map((p) => p.key)), [['b']]);
  assert.equal((await store.stats()).participants, 0);
});

test('memory room store: leave, room deletion and a long clock jump', async () => {
  const time = new FakeTime();
  const store = new MemoryLoopRoomStore({ clock: time });
  await store.createRoom(room('r1'), 10 * 86_400_000);
  await store.createRoom(room('r2'), 10 * 86_400_000);
  await store.putParticipant('r1', person('a'), 1000);
  await store.putParticipant('r1', person('b'), 1000);
  await store.putParticipant('r2', person('c'), 1000);
  assert.equal(await store.deleteParticipant('r1', 'a'), true);
  assert.equal(await store.deleteParticipant('r1', 'a'), false);
  await store.deleteRoom('r2');
  assert.equal(await store.getParticipant('r2', 'c'), undefined);
  time.advance(8 * 86_400_000); // far more buckets than entries: the store walks its entries instead
  assert.deepEqual((await store.expireParticipants()).map((e) => [e.roomToken, e.participants.map((p) => p.key)]), [['r1', ['b']]]);
});

test('memory room store: deleted-room notices per owner, with their own lifetime', async () => {
  const time = new FakeTime();
  const store = new MemoryLoopRoomStore({ clock: time });
  await store.addDeletedNotice('u1', { roomToken: 'r1', deletedAt: 10 }, 1000);
  await store.addDeletedNotice('u1', { roomToken: 'r2', deletedAt: 11 }, 3000);
  await store.addDeletedNotice('u2', { roomToken: 'r3', deletedAt: 12 }, 3000);
  assert.deepEqual((await store.listDeletedNotices('u1')).map((x) => x.roomToken).sort(), ['r1', 'r2']);
  time.advance(1500);
  assert.deepEqual(await store.listDeletedNotices('u1'), [{ roomToken: 'r2', deletedAt: 11 }]);
  await store.sweep();
  assert.equal((await store.stats()).deletedNotices, 2);
  await store.close();
  assert.deepEqual(await store.listDeletedNotices('u2'), []);
});

test('expiry buckets: keys come out once, never before their time, at most one width late', async () => {
  const { ExpiryBuckets } = await import('../../src/store/memory/expiry-buckets.ts');
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

test('expiry buckets: unfile takes a key out of the bucket file returned; other keys and buckets stay', async () => {
  const { ExpiryBuckets } = await import('../../src/store/memory/expiry-buckets.ts');
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

test('memory room store: the expiry index holds only live participants (refresh, re-join and leave take old entries out)', async () => {
  const time = new FakeTime();
  const store = new MemoryLoopRoomStore({ clock: time });
  await store.createRoom(room('r1'), 100_000);
  await store.putParticipant('r1', person('a'), 1000);
  await store.putParticipant('r1', person('b'), 1000);
  assert.equal(store.filedExpiries, 2);
  for (let i = 0; i < 10; i++) {
    time.advance(300);
    assert.equal(await store.touchParticipant('r1', 'a', 1000), true);
  }
  await store.putParticipant('r1', person('b'), 5000); // joins again
  assert.equal(store.filedExpiries, 2, 'one entry per participant, however often refreshed');
  assert.equal(await store.deleteParticipant('r1', 'b'), true);
  assert.equal(store.filedExpiries, 1);
  time.advance(1250); // a's last refresh has run out
  assert.deepEqual((await store.expireParticipants()).map((e) => e.participants.map((p) => p.key)), [['a']]);
  assert.equal(store.filedExpiries, 0);
  assert.deepEqual(await store.expireParticipants(), []);
});
