import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LoopRoomStore, ParticipantRecord, RoomJoin, RoomJoinResult, RoomRecord } from '../../src/store/rooms.ts';

/**
 * The behaviour every LoopRoomStore backend must show for `joinRoom`, the
 * atomic join of loop-v1.md §8.10 steps 5–7 with the §8.11 capacity rule.
 * `make` builds an empty store; `advance` moves its clock.
 */
export function roomJoinContract(name: string, make: () => { store: LoopRoomStore; advance: (ms: number) => Promise<void> }): void {
  const HOUR = 3_600_000;
  const room = (roomToken: string, maxSize: number): RoomRecord => ({
    roomToken, context: null, roomOwner: 'O', maxSize, expiresIn: 1, creationTime: 100, ctime: 100, expiresAt: 3700,
    ownerKey: 'owner', channel: 'default', apiKey: 'k', sessionId: 's',
  });
  /** A Hawk joiner (key `session-of-<user>`) when `userKey` is given, else a Basic/unauthenticated one. */
  const person = (key: string, userKey?: string, clientMaxSize = 5): ParticipantRecord => ({
    key, roomConnectionId: `id-${key}-${Math.random()}`, displayName: key, clientMaxSize, ...(userKey !== undefined ? { userKey } : {}),
  });
  const join = (participant: ParticipantRecord, o: Partial<RoomJoin> = {}): RoomJoin => ({
    participant, participantTtlMs: 300_000, ctime: 200, expiresAt: 200 + 1344 * 3600, roomTtlMs: 1344 * HOUR, ...o,
  });
  const outcome = (r: RoomJoinResult) => (r.joined ? 'joined' : r.refusal);
  const keys = async (store: LoopRoomStore, token: string) => (await store.listParticipants(token)).map((p) => p.key).sort();

  test(`${name}: joinRoom into an unknown or expired room is 'no-room' and writes nothing`, async () => {
    const { store, advance } = make();
    assert.deepEqual(await store.joinRoom('nope', join(person('a', 'ua'))), { joined: false, refusal: 'no-room' });
    await store.createRoom(room('r', 5), 1000);
    await advance(1001);
    assert.equal(outcome(await store.joinRoom('r', join(person('a', 'ua')))), 'no-room');
    assert.equal(await store.getRoom('r'), undefined, 'the refused join did not bring the room back');
    assert.deepEqual(await keys(store, 'r'), []);
  });

  test(`${name}: joinRoom writes the participant for its ttl and touches the room in the same step`, async () => {
    const { store, advance } = make();
    await store.createRoom(room('r', 5), 1000);
    const p = person('a', 'ua');
    const r = await store.joinRoom('r', join(p, { participantTtlMs: 5000, ctime: 150, expiresAt: 9999, roomTtlMs: 60_000 }));
    assert.ok(r.joined);
    assert.deepEqual([r.room.ctime, r.room.expiresAt, r.room.maxSize, r.room.roomToken], [150, 9999, 5, 'r'], 'the touched room comes back');
    assert.deepEqual(await store.getParticipant('r', 'a'), p);
    assert.deepEqual([(await store.getRoom('r'))?.ctime, (await store.getRoom('r'))?.expiresAt], [150, 9999]);
    await advance(4999);
    assert.ok(await store.getRoom('r'), 'the room lifetime restarted at roomTtlMs (it was 1000 ms)');
    assert.ok(await store.getParticipant('r', 'a'));
    await advance(1);
    assert.equal(await store.getParticipant('r', 'a'), undefined, 'the participant lives participantTtlMs');
  });

  test(`${name}: joinRoom refusals (§8.11): full, and a joiner that cannot handle the others; nothing written or touched`, async () => {
    const { store } = make();
    await store.createRoom(room('r', 2), HOUR);
    assert.equal(outcome(await store.joinRoom('r', join(person('a', 'ua', 2)))), 'joined');
    const before = await store.getRoom('r');
    // A second stranger: one seat is kept for the owner.
    assert.deepEqual(await store.joinRoom('r', join(person('b', 'ub', 2), { ctime: 999 })), { joined: false, refusal: 'full' });
    assert.deepEqual(await store.joinRoom('r', join(person('t'), { ctime: 999 })), { joined: false, refusal: 'full' }, 'unauthenticated too');
    assert.deepEqual(await store.getRoom('r'), before, 'a refused join does not touch the room');
    assert.deepEqual(await keys(store, 'r'), ['a']);
    // The owner gets the kept seat, if its clientMaxSize can hold the others.
    assert.equal(outcome(await store.joinRoom('r', join(person('o1', 'owner', 1)))), 'client-capacity');
    assert.equal(outcome(await store.joinRoom('r', join(person('o1', 'owner', 2)))), 'joined');
    assert.deepEqual(await keys(store, 'r'), ['a', 'o1']);
    // Owner in: a participant's clientMaxSize caps the room.
    await store.createRoom(room('r3', 3), HOUR);
    assert.equal(outcome(await store.joinRoom('r3', join(person('o', 'owner', 2)))), 'joined');
    assert.equal(outcome(await store.joinRoom('r3', join(person('b', 'ub', 2)))), 'joined');
    assert.equal(outcome(await store.joinRoom('r3', join(person('c', 'uc', 5)))), 'full', 'cap 2 from the others');
  });

  test(`${name}: joinRoom reads the stored room (maxSize, owner) and counts live participants only`, async () => {
    const { store, advance } = make();
    await store.createRoom(room('r', 2), HOUR);
    await store.updateRoom('r', { maxSize: 3 }, HOUR);
    assert.equal(outcome(await store.joinRoom('r', join(person('a', 'ua'), { participantTtlMs: 1000 }))), 'joined');
    assert.equal(outcome(await store.joinRoom('r', join(person('b', 'ub')))), 'joined', 'maxSize 3 as updated');
    assert.equal(outcome(await store.joinRoom('r', join(person('c', 'uc')))), 'full');
    await advance(1000); // a's lifetime ended; no sweep or expireParticipants ran
    assert.equal(outcome(await store.joinRoom('r', join(person('c', 'uc')))), 'joined', 'an expired participant holds no seat');
    assert.deepEqual(await keys(store, 'r'), ['b', 'c']);
  });

  test(`${name}: a rejoin replaces the record of its key; a Hawk joiner's own user does not count against it, a Basic one's does`, async () => {
    const { store } = make();
    await store.createRoom(room('r', 2), HOUR);
    const first = person('a', 'ua');
    assert.equal(outcome(await store.joinRoom('r', join(first))), 'joined');
    const again = person('a', 'ua', 4);
    assert.equal(outcome(await store.joinRoom('r', join(again))), 'joined', 'a Hawk rejoin into a room that is otherwise full');
    assert.deepEqual(await store.listParticipants('r'), [again], 'replaced, not added');
    // Another session of the same user takes a second record (its user is removed from the others).
    assert.equal(outcome(await store.joinRoom('r', join(person('a2', 'ua')))), 'joined');
    assert.deepEqual(await keys(store, 'r'), ['a', 'a2']);

    await store.createRoom(room('b', 3), HOUR);
    const basic = person('k');
    assert.equal(outcome(await store.joinRoom('b', join(basic))), 'joined');
    assert.equal(outcome(await store.joinRoom('b', join(person('k')))), 'joined', 'maxSize 3: room for the Basic rejoin');
    assert.deepEqual(await keys(store, 'b'), ['k'], 'replaced, not added');
    await store.createRoom(room('b2', 2), HOUR);
    assert.equal(outcome(await store.joinRoom('b2', join(person('k')))), 'joined');
    assert.equal(outcome(await store.joinRoom('b2', join(person('k')))), 'full', '§8.11: a Basic rejoin counts itself (quirk)');
    assert.deepEqual(await keys(store, 'b2'), ['k']);
  });

  test(`${name}: many joins started at once into a room of maxSize 2: exactly 2 get in`, async () => {
    const { store } = make();
    await store.createRoom(room('r', 2), HOUR);
    // The owner's kept seat and one other: 1 owner and 19 strangers, Hawk and unauthenticated.
    const joiners = [person('owner-session', 'owner', 2), ...Array.from({ length: 19 }, (_, i) => person(`s${i}`, i % 2 ? `u${i}` : undefined, 2))];
    const results = await Promise.all(joiners.map((p) => store.joinRoom('r', join(p))));
    assert.equal(results.filter((r) => r.joined).length, 2);
    assert.equal(outcome(results[0]!), 'joined', 'the owner got its seat');
    assert.deepEqual(new Set(results.filter((r) => !r.joined).map(outcome)), new Set(['full']));
    assert.equal((await store.listParticipants('r')).length, 2);
  });
}
