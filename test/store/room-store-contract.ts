import assert from 'node:assert/strict';
import type { RoomRecord } from '../../src/store/rooms.ts';
import { FakeTime } from '../helpers/fake-time.ts';
import { contractCases } from './contract-cases.ts';
import { person, room, seat, sorted, type RoomCases, type RoomStoreContract } from './room-store-fixtures.ts';
import { participantCases } from './room-store-participants.ts';
import { scribble } from './scribble.ts';

export type { RoomStoreContract } from './room-store-fixtures.ts';

const DAY_MS = 86_400_000;
const tokens = (rooms: readonly RoomRecord[]) => sorted(rooms.map((r) => r.roomToken));

/**
 * The behaviour every LoopRoomStore backend must have (memory now, Redis
 * next): one suite, run by each backend's test file with its own `make`.
 */
export function runRoomStoreContract({ name, make, skip = [] }: RoomStoreContract): void {
  const it: RoomCases = contractCases(name, skip, (track) => () => {
    const time = new FakeTime();
    return { store: track(make({ clock: time })), time };
  });
  roomCases(it);
  participantCases(it);
  it.done();
}

function roomCases(it: RoomCases): void {
  it('rooms: createRoom stores a room that get, list and count see; it lives exactly ttlMs', async (setup) => {
    const { store, time } = setup();
    const withContext = { ...room('r1'), context: { value: 'v', alg: 'AES-GCM', wrappedKey: 'w' } };
    assert.equal(await store.createRoom(withContext, 1000), true);
    assert.equal(await store.createRoom(room('r2'), 5000), true);
    assert.equal(await store.createRoom(room('r3', 'u2'), 5000), true);
    assert.deepEqual(await store.getRoom('r1'), withContext);
    assert.deepEqual(tokens(await store.listRooms('u1')), ['r1', 'r2']);
    assert.equal(await store.countRooms('u1'), 2);
    assert.equal(await store.countRooms('nobody'), 0);
    assert.equal(await store.hasRoomBelow('u1', 3), true);
    assert.equal(await store.hasRoomBelow('u1', 2), false);
    assert.equal(await store.hasRoomBelow('nobody', 1), true);
    assert.deepEqual(await store.listRooms('nobody'), []);
    assert.equal(await store.getRoom('never'), undefined);
    time.advance(999);
    assert.ok(await store.getRoom('r1'), 'alive at ttl - 1');
    time.advance(1);
    assert.equal(await store.getRoom('r1'), undefined, 'gone at ttl');
    assert.equal(await store.countRooms('u1'), 1, 'count sees expiry without a sweep');
    assert.equal(await store.hasRoomBelow('u1', 2), true, 'an expired room frees its place without a sweep');
    assert.deepEqual(tokens(await store.listRooms('u1')), ['r2']);
    await store.sweep();
    assert.deepEqual(tokens(await store.listRooms('u1')), ['r2']);
  });

  it('rooms: updateRoom applies the patch and restarts the lifetime; undefined (nothing made) when the room is gone', async (setup) => {
    const { store, time } = setup();
    await store.createRoom(room('r1'), 1000);
    const context = { value: 'v2', alg: 'AES-GCM', wrappedKey: 'w2' };
    const patched = await store.updateRoom('r1', { ctime: 7, roomName: 'n', context, maxSize: 3 }, 3000);
    const expected = { ...room('r1'), ctime: 7, roomName: 'n', context, maxSize: 3 };
    assert.deepEqual(patched, expected);
    assert.deepEqual(await store.getRoom('r1'), expected);
    time.advance(2999);
    assert.ok(await store.getRoom('r1'), 'the patch restarted its lifetime');
    assert.deepEqual(await store.updateRoom('r1', {}, 500), expected, 'an empty patch only restarts the lifetime');
    time.advance(499);
    assert.ok(await store.getRoom('r1'));
    time.advance(1);
    assert.equal(await store.getRoom('r1'), undefined);
    assert.equal(await store.updateRoom('r1', { ctime: 9 }, 1000), undefined);
    assert.equal(await store.updateRoom('never', { ctime: 9 }, 1000), undefined);
    assert.equal(await store.getRoom('never'), undefined);
    assert.equal(await store.countRooms('u1'), 0);
  });

  it('rooms: deleteRoom is true for a live room only; the owner index follows', async (setup) => {
    const { store, time } = setup();
    await store.createRoom(room('r1'), 1000);
    await store.createRoom(room('r2'), 5000);
    assert.equal(await store.deleteRoom('r2'), true);
    assert.equal(await store.deleteRoom('r2'), false);
    assert.equal(await store.getRoom('r2'), undefined);
    assert.deepEqual(tokens(await store.listRooms('u1')), ['r1']);
    time.advance(1000);
    assert.equal(await store.deleteRoom('r1'), false, 'an expired room was not live');
    assert.equal(await store.deleteRoom('never'), false);
    await store.sweep();
    assert.deepEqual(await store.listRooms('u1'), []);
    assert.equal((await store.stats()).rooms, 0);
  });

  it('rooms: past maxPerOwner createRoom is refused, nothing stored or evicted; expired and deleted rooms make room', async (setup) => {
    const { store, time } = setup();
    assert.equal(await store.createRoom(room('r1'), 1000, 2), true);
    assert.equal(await store.createRoom(room('r2'), 5000, 2), true);
    assert.equal(await store.createRoom(room('r3'), 5000, 2), false);
    assert.equal(await store.getRoom('r3'), undefined);
    assert.deepEqual(tokens(await store.listRooms('u1')), ['r1', 'r2'], 'nothing evicted');
    assert.equal(await store.createRoom(room('x1', 'u2'), 5000, 2), true, 'the cap is per owner');
    time.advance(1000);
    assert.equal(await store.createRoom(room('r3'), 5000, 2), true, 'r1 expired: room for r3');
    assert.equal(await store.createRoom(room('r4'), 5000, 2), false);
    await store.deleteRoom('r2');
    assert.equal(await store.createRoom(room('r4'), 5000, 2), true);
    assert.deepEqual(tokens(await store.listRooms('u1')), ['r3', 'r4']);
    assert.equal(await store.createRoom(room('r5'), 5000), true, 'no cap given: no cap');
    assert.equal(await store.countRooms('u1'), 3);
  });

  it('deleted-room notices: listed per owner, each for exactly its ttlMs; one per room', async (setup) => {
    const { store, time } = setup();
    await store.addDeletedNotice('u1', { roomToken: 'r1', deletedAt: 10 }, 1000);
    await store.addDeletedNotice('u1', { roomToken: 'r2', deletedAt: 11 }, 3000);
    await store.addDeletedNotice('u2', { roomToken: 'r3', deletedAt: 12 }, 3000);
    assert.deepEqual((await store.listDeletedNotices('u1')).map((x) => x.roomToken).sort(), ['r1', 'r2']);
    assert.deepEqual(await store.listDeletedNotices('nobody'), []);
    time.advance(999);
    assert.equal((await store.listDeletedNotices('u1')).length, 2, 'alive at ttl - 1');
    time.advance(1);
    assert.deepEqual(await store.listDeletedNotices('u1'), [{ roomToken: 'r2', deletedAt: 11 }], 'gone at ttl');
    await store.sweep();
    assert.equal((await store.stats()).deletedNotices, 2);
    await store.addDeletedNotice('u2', { roomToken: 'r3', deletedAt: 20 }, 3000); // the same room again
    assert.deepEqual(await store.listDeletedNotices('u2'), [{ roomToken: 'r3', deletedAt: 20 }]);
    time.advance(2999);
    assert.deepEqual(await store.listDeletedNotices('u2'), [{ roomToken: 'r3', deletedAt: 20 }], 'with the new lifetime');
    assert.deepEqual(await store.listDeletedNotices('u1'), []);
  });

  it('stats count live rooms, participants and notices, exactly after a sweep; ping answers true', async (setup) => {
    const { store, time } = setup();
    assert.equal(await store.ping(), true);
    assert.deepEqual(await store.stats(), { rooms: 0, participants: 0, deletedNotices: 0 });
    await store.createRoom(room('r1'), 1000);
    await store.createRoom(room('r2'), DAY_MS);
    await seat(store, 'r1', person('a'), DAY_MS, 1000);
    await seat(store, 'r2', person('b'), 1000, DAY_MS);
    await seat(store, 'r2', person('c'), DAY_MS, DAY_MS);
    await store.addDeletedNotice('u1', { roomToken: 'r0', deletedAt: 1 }, 1000);
    await store.addDeletedNotice('u1', { roomToken: 'r9', deletedAt: 1 }, DAY_MS);
    assert.deepEqual(await store.stats(), { rooms: 2, participants: 3, deletedNotices: 2 });
    time.advance(1000);
    await store.sweep();
    assert.deepEqual(await store.stats(), { rooms: 1, participants: 1, deletedNotices: 1 });
    await store.deleteRoom('r2');
    assert.deepEqual(await store.stats(), { rooms: 0, participants: 0, deletedNotices: 1 });
  });

  it('close resolves, and a second close is harmless', async (setup) => {
    const { store } = setup();
    await store.createRoom(room('r1'), 1000);
    await store.close();
    await store.close();
  });

  it('records are not shared: rooms, participants and notices come back as copies, nested context included', async (setup) => {
    const { store } = setup();
    const written = { ...room('r'), context: { value: 'v', alg: 'AES-GCM', wrappedKey: 'w' } };
    await store.createRoom(written, 60_000);
    scribble(written.context, (w) => (w.value = 'changed-after-create'));
    scribble((await store.getRoom('r'))!.context!, (w) => (w.value = 'changed-after-get'));
    scribble((await store.listRooms('u1'))[0], (w) => (w.roomOwner = 'changed'));
    const context = { value: 'v2', alg: 'AES-GCM', wrappedKey: 'w' };
    const updated = await store.updateRoom('r', { context }, 60_000);
    scribble(context, (w) => (w.value = 'changed-after-update'));
    scribble(updated!.context!, (w) => (w.value = 'changed-after-update'));
    scribble(updated!, (w) => (w.maxSize = 99));
    const again = await store.getRoom('r');
    assert.equal(again!.context!.value, 'v2');
    assert.equal(again!.roomOwner, 'Owner');
    assert.equal(again!.maxSize, 5);

    const participant = person('p', 'Bob');
    await seat(store, 'r', participant, 60_000, 60_000);
    scribble(participant, (w) => (w.displayName = 'changed'));
    scribble((await store.listParticipants('r'))[0], (w) => (w.displayName = 'changed'));
    scribble((await store.getParticipant('r', 'p'))!, (w) => (w.displayName = 'changed'));
    assert.equal((await store.getParticipant('r', 'p'))!.displayName, 'Bob');

    const notice = { roomToken: 'gone', deletedAt: 5 };
    await store.addDeletedNotice('u1', notice, 60_000);
    notice.deletedAt = 6;
    scribble((await store.listDeletedNotices('u1'))[0], (w) => (w.deletedAt = 7));
    assert.deepEqual(await store.listDeletedNotices('u1'), [{ roomToken: 'gone', deletedAt: 5 }]);
  });
}
