import assert from 'node:assert/strict';
import type { ExpiredParticipants } from '../../src/store/rooms.ts';
import { EXPIRY_LATENESS_MS, person, room, seat, sorted, type RoomCases } from './room-store-fixtures.ts';

const DAY_MS = 86_400_000;
const keys = (list: readonly { key: string }[]) => sorted(list.map((p) => p.key));
/** [roomToken, sorted participant keys], sorted by room: the order a backend returns is free. */
const byRoom = (expired: readonly ExpiredParticipants[]) =>
  expired.map((e) => [e.roomToken, keys(e.participants)] as const).sort((a, b) => a[0].localeCompare(b[0]));

/** Room participants, their lifetimes and expireParticipants (src/store/rooms.ts). */
export function participantCases(it: RoomCases): void {
  it('participants: a joined participant is seen by get and list; none joins a gone room', async (setup) => {
    const { store, time } = setup();
    await store.createRoom(room('r1'), 1000);
    const basic = { key: 'b', roomConnectionId: 'id-b', displayName: 'B', clientMaxSize: 2, tokenCredential: true };
    assert.equal(await seat(store, 'r1', person('a'), DAY_MS, 1000), true);
    assert.equal(await seat(store, 'r1', basic, DAY_MS, 1000), true);
    assert.deepEqual(await store.getParticipant('r1', 'a'), person('a'));
    assert.deepEqual(await store.getParticipant('r1', 'b'), basic);
    assert.deepEqual(keys(await store.listParticipants('r1')), ['a', 'b']);
    assert.equal(await store.getParticipant('r1', 'nobody'), undefined);
    assert.equal(await seat(store, 'never', person('a'), DAY_MS, 1000), false);
    assert.equal(await store.getParticipant('never', 'a'), undefined);
    assert.deepEqual(await store.listParticipants('never'), []);
    time.advance(1000);
    assert.equal(await seat(store, 'r1', person('c'), DAY_MS, 1000), false, 'no participant in an expired room');
    assert.equal(await store.getParticipant('r1', 'a'), undefined, 'participants go with their room');
    assert.deepEqual(await store.listParticipants('r1'), []);
  });

  it('participants: a participant lives exactly ttlMs; touchParticipant restarts it; false once gone', async (setup) => {
    const { store, time } = setup();
    await store.createRoom(room('r1'), DAY_MS);
    await seat(store, 'r1', person('a'), 1000, DAY_MS);
    await seat(store, 'r1', person('b'), 1000, DAY_MS);
    time.advance(600);
    assert.equal(await store.touchParticipant('r1', 'b', 1000), true); // until 1600
    await store.updateRoom('r1', { ctime: 2 }, DAY_MS); // a room update leaves participants' lifetimes alone
    time.advance(399);
    assert.deepEqual(keys(await store.listParticipants('r1')), ['a', 'b'], 'a is alive at ttl - 1');
    time.advance(1);
    assert.equal(await store.getParticipant('r1', 'a'), undefined, 'reads hide an expired participant before any sweep');
    assert.deepEqual(keys(await store.listParticipants('r1')), ['b']);
    assert.equal(await store.touchParticipant('r1', 'a', 1000), false);
    assert.equal(await store.getParticipant('r1', 'a'), undefined, 'a touch does not bring it back');
    time.advance(599);
    assert.ok(await store.getParticipant('r1', 'b'));
    time.advance(1);
    assert.equal(await store.getParticipant('r1', 'b'), undefined);
    assert.equal(await store.touchParticipant('r1', 'nobody', 1000), false);
    assert.equal(await store.touchParticipant('never', 'a', 1000), false);
  });

  it('participants: a rejoin replaces by key, record and lifetime', async (setup) => {
    const { store, time } = setup();
    await store.createRoom(room('r1'), DAY_MS);
    await seat(store, 'r1', person('a', 'first'), 1000, DAY_MS);
    time.advance(500);
    await seat(store, 'r1', person('a', 'second'), 1000, DAY_MS); // until 1500
    assert.deepEqual(await store.listParticipants('r1'), [person('a', 'second')]);
    time.advance(999);
    assert.equal((await store.getParticipant('r1', 'a'))?.displayName, 'second');
    time.advance(1);
    assert.equal(await store.getParticipant('r1', 'a'), undefined);
  });

  it('participants: deleteParticipant is true for a live one only; all go with their room, none come back with a new one', async (setup) => {
    const { store } = setup();
    await store.createRoom(room('r1'), 10 * DAY_MS);
    await store.createRoom(room('r2'), 10 * DAY_MS);
    await seat(store, 'r1', person('a'), 1000, 10 * DAY_MS);
    await seat(store, 'r1', person('b'), 1000, 10 * DAY_MS);
    await seat(store, 'r2', person('c'), 1000, 10 * DAY_MS);
    assert.equal(await store.deleteParticipant('r1', 'a'), true);
    assert.equal(await store.deleteParticipant('r1', 'a'), false);
    assert.equal(await store.getParticipant('r1', 'a'), undefined);
    assert.deepEqual(keys(await store.listParticipants('r1')), ['b']);
    assert.equal(await store.deleteParticipant('never', 'a'), false);
    await store.deleteRoom('r2');
    assert.equal(await store.getParticipant('r2', 'c'), undefined);
    assert.equal(await store.deleteParticipant('r2', 'c'), false);
    assert.equal(await store.createRoom(room('r2'), DAY_MS), true);
    assert.deepEqual(await store.listParticipants('r2'), [], 'a room made again under the token starts empty');
    assert.equal(await store.getParticipant('r2', 'c'), undefined);
  });

  it('expireParticipants: each expired participant once, grouped by room, never early, at most a second late', async (setup) => {
    const { store, time } = setup();
    await store.createRoom(room('r1'), 100_000);
    await store.createRoom(room('r2'), 100_000);
    await seat(store, 'r1', person('a'), 1000, 100_000);
    await seat(store, 'r1', person('b'), 1000, 100_000);
    await seat(store, 'r2', person('c'), 1000, 100_000);
    await seat(store, 'r2', person('d'), 1000, 100_000);
    time.advance(600);
    assert.equal(await store.touchParticipant('r1', 'b', 5000), true); // until 5600
    assert.deepEqual(await store.expireParticipants(), [], 'nothing due yet');
    time.advance(399);
    assert.deepEqual(await store.expireParticipants(), [], 'never early');
    time.advance(EXPIRY_LATENESS_MS + 1);
    assert.deepEqual(byRoom(await store.expireParticipants()), [['r1', ['a']], ['r2', ['c', 'd']]]);
    assert.deepEqual(await store.expireParticipants(), [], 'returned once');
    assert.deepEqual(keys(await store.listParticipants('r1')), ['b']);
    time.advance(5600 - 1000 - EXPIRY_LATENESS_MS - 1);
    assert.deepEqual(await store.expireParticipants(), []);
    time.advance(EXPIRY_LATENESS_MS + 1);
    assert.deepEqual(byRoom(await store.expireParticipants()), [['r1', ['b']]]);
    assert.equal((await store.stats()).participants, 0);
  });

  it('expireParticipants: refreshed, re-joined and departed participants are not returned, nor those of gone rooms', async (setup) => {
    const { store, time } = setup();
    await store.createRoom(room('r1'), DAY_MS);
    await store.createRoom(room('deleted'), DAY_MS);
    await store.createRoom(room('expiring'), 1000);
    for (const key of ['refreshed', 'rejoined', 'left', 'expired']) await seat(store, 'r1', person(key), 1000, DAY_MS);
    await seat(store, 'deleted', person('x'), 1000, DAY_MS);
    await seat(store, 'expiring', person('y'), 1000, 1000);
    time.advance(500);
    await store.touchParticipant('r1', 'refreshed', 10_000);
    await seat(store, 'r1', person('rejoined'), 10_000, DAY_MS);
    await store.deleteParticipant('r1', 'left');
    await store.deleteRoom('deleted');
    time.advance(500 + EXPIRY_LATENESS_MS);
    assert.deepEqual(byRoom(await store.expireParticipants()), [['r1', ['expired']]]);
    assert.deepEqual(keys(await store.listParticipants('r1')), ['refreshed', 'rejoined']);
  });

  it('expireParticipants: a participant that expired is still reported when its leave comes first', async (setup) => {
    const { store, time } = setup();
    await store.createRoom(room('r1'), DAY_MS);
    await seat(store, 'r1', person('a'), 1000, DAY_MS);
    time.advance(1000);
    assert.equal(await store.deleteParticipant('r1', 'a'), false, 'it was no longer live');
    time.advance(EXPIRY_LATENESS_MS);
    assert.deepEqual(byRoom(await store.expireParticipants()), [['r1', ['a']]]);
    assert.deepEqual(await store.expireParticipants(), []);
  });

  it('expireParticipants: after a long jump of the clock, every expired participant of a live room', async (setup) => {
    const { store, time } = setup();
    await store.createRoom(room('r1'), 10 * DAY_MS);
    await store.createRoom(room('r2'), 10 * DAY_MS);
    await store.createRoom(room('short'), 2 * DAY_MS);
    await seat(store, 'r1', person('a'), 1000, 10 * DAY_MS);
    await seat(store, 'r1', person('b'), 3 * DAY_MS, 10 * DAY_MS);
    await seat(store, 'r2', person('c'), 1000, 10 * DAY_MS);
    await seat(store, 'short', person('d'), 1000, 2 * DAY_MS);
    assert.equal(await store.deleteParticipant('r1', 'a'), true);
    await store.deleteRoom('r2');
    time.advance(8 * DAY_MS);
    assert.deepEqual(byRoom(await store.expireParticipants()), [['r1', ['b']]]);
    assert.deepEqual(await store.expireParticipants(), []);
  });
}
