import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import pino from 'pino';
import { connectRedis, type RedisConnection } from '../../src/store/redis/connection.ts';
import { RedisLoopRoomStore } from '../../src/store/redis/rooms.ts';
import { isStoreError } from '../../src/store/errors.ts';
import type { ParticipantRecord, RoomJoin } from '../../src/store/rooms.ts';
import { eventually } from '../helpers/eventually.ts';
import { FakeTime } from '../helpers/fake-time.ts';
import { testConnection, testRedisUrl } from '../helpers/redis.ts';
import { person, room, seat } from './room-store-fixtures.ts';

const HOUR = 3_600_000;
const GRACE = 60_000;
const join = (participant: ParticipantRecord, o: Partial<RoomJoin> = {}): RoomJoin => ({
  participant, participantTtlMs: HOUR, ctime: 2, expiresAt: 3, roomTtlMs: HOUR, ...o,
});

/** What only the Redis backend has: several nodes, Redis's clock, key lifetimes, the layout, failures. */
export function redisRoomCases(connection: RedisConnection, fresh: () => RedisConnection): void {
  const made = (o: { clock?: FakeTime; redis?: RedisConnection; maxRooms?: number } = {}) => {
    const store = new RedisLoopRoomStore({ redis: o.redis ?? fresh(), ...(o.clock ? { clock: o.clock } : {}), ...(o.maxRooms ? { maxRooms: o.maxRooms } : {}) });
    after(() => store.close());
    return store;
  };
  const keysUnder = (prefix: string) => connection.cmd.keys(`${prefix}*`);

  test('redis room store: at maxRooms a new room pushes out the one with the least time left, with its participants and index entry', async () => {
    const time = new FakeTime();
    const store = made({ clock: time, maxRooms: 3 });
    await store.createRoom(room('long'), 3 * HOUR);
    await store.createRoom(room('short', 'u2'), HOUR);
    await store.createRoom(room('middle'), 2 * HOUR);
    assert.equal(await seat(store, 'short', person('a'), HOUR, HOUR), true);
    assert.equal(await store.createRoom(room('new'), HOUR), true);
    assert.equal(await store.getRoom('short'), undefined, 'the one with the least time left went');
    assert.deepEqual((await store.listParticipants('short')), []);
    assert.equal(await store.countRooms('u2'), 0);
    assert.deepEqual(await store.stats(), { rooms: 3, participants: 0, deletedNotices: 0 });
    for (const token of ['long', 'middle', 'new']) assert.ok(await store.getRoom(token), token);
    time.advance(HOUR + 1); // 'new' expired, not swept: it is the first to go at the cap
    assert.equal(await store.createRoom(room('later'), HOUR), true);
    assert.ok(await store.getRoom('long'));
    assert.ok(await store.getRoom('middle'));
    assert.deepEqual((await store.stats()).rooms, 3);
  });

  test('redis room store: joins through two nodes at once into a room of 2: exactly 2 get in, and each node sees the other\'s writes', async () => {
    const prefix = fresh().prefix;
    const nodes = await Promise.all([0, 1].map(async () => made({ redis: await testConnection({ prefix }) })));
    const [a, b] = nodes as [RedisLoopRoomStore, RedisLoopRoomStore];
    await a.createRoom({ ...room('r'), maxSize: 2 }, HOUR);
    assert.equal((await b.getRoom('r'))?.maxSize, 2);
    const joiners = Array.from({ length: 12 }, (_, i) => ({ ...person(`p${i}`), clientMaxSize: 2 }));
    const results = await Promise.all(joiners.map((p, i) => nodes[i % 2]!.joinRoom('r', join(p))));
    assert.equal(results.filter((r) => r.joined).length, 1, 'one stranger: the other seat is kept for the owner');
    assert.equal((await b.joinRoom('r', join({ ...person('o'), userKey: 'u1', clientMaxSize: 2 }))).joined, true, 'the owner gets its seat');
    assert.equal((await a.listParticipants('r')).length, 2);
    assert.equal((await b.joinRoom('r', join(person('late')))).joined, false);
  });

  test('redis room store: without a clock, lifetimes run on Redis\'s clock (rooms, participants, expiry, notices)', async () => {
    const store = made();
    await store.createRoom(room('short'), 150);
    await store.createRoom(room('r'), HOUR);
    assert.equal(await seat(store, 'r', person('a'), 100, HOUR), true);
    await store.addDeletedNotice('u1', { roomToken: 'gone', deletedAt: 1 }, 150);
    assert.ok(await store.getRoom('short'), 'alive at first');
    assert.ok(await store.getParticipant('r', 'a'));
    assert.equal((await store.listDeletedNotices('u1')).length, 1);
    const expired: string[] = [];
    await eventually(async () => {
      for (const e of await store.expireParticipants()) expired.push(...e.participants.map((p) => `${e.roomToken}/${p.key}`));
      return expired.length > 0;
    }, 'the participant to expire', 3000);
    assert.deepEqual(expired, ['r/a']);
    await eventually(async () => (await store.getRoom('short')) === undefined, 'the short room to end', 3000);
    await eventually(async () => (await store.listDeletedNotices('u1')).length === 0, 'the notice to end', 3000);
    assert.deepEqual((await store.listRooms('u1')).map((r) => r.roomToken), ['r']);
  });

  test('redis room store: every key carries a backstop lifetime (the remaining lifetime + 60 s; an owner\'s keys follow its longest-lived entry)', async () => {
    const redis = fresh();
    const P = redis.prefix;
    const store = made({ clock: new FakeTime(), redis });
    const pttl = (key: string) => connection.cmd.pttl(P + key);
    const near = async (key: string, ms: number) => {
      const left = await pttl(key);
      assert.ok(left > ms + GRACE - 5000 && left <= ms + GRACE, `${key}: ${left} ms left, expected about ${ms + GRACE}`);
    };
    await store.createRoom(room('r1'), HOUR);
    await near('rm:r1', HOUR);
    await near('ro:u1', HOUR);
    await store.createRoom(room('r2'), 1000);
    await near('ro:u1', HOUR); // the owner's set lives as long as its longest room
    assert.equal(await seat(store, 'r2', person('a'), 500, 2 * HOUR), true);
    await near('rm:r2', 2 * HOUR);
    await near('rp:r2', 2 * HOUR);
    await near('ro:u1', 2 * HOUR);
    await store.updateRoom('r2', { ctime: 5 }, 10_000);
    await near('rm:r2', 10_000);
    await near('rp:r2', 10_000);
    await store.addDeletedNotice('u1', { roomToken: 'x', deletedAt: 1 }, HOUR);
    await store.addDeletedNotice('u1', { roomToken: 'y', deletedAt: 1 }, 1000);
    await near('rn:u1', HOUR);
    await near('rne:u1', HOUR);
    for (const key of await keysUnder(P)) {
      const global = ['rmx', 'rpx', 'rnx'].includes(key.slice(P.length));
      assert.equal((await connection.cmd.pttl(key)) > 0, !global, `${key}: only the three indexes have no lifetime of their own`);
    }
  });

  test('redis room store: the owner index tolerates members whose room is gone or was made again by another owner', async () => {
    const redis = fresh();
    const P = redis.prefix;
    const store = made({ clock: new FakeTime(), redis });
    for (const token of ['r1', 'r2', 'r3']) await store.createRoom(room(token), HOUR);
    await connection.cmd.del(`${P}rm:r1`); // as its backstop would
    await connection.cmd.sadd(`${P}ro:u1`, 'never-made');
    await store.createRoom(room('r3', 'u2'), HOUR); // r3 made again by u2
    await connection.cmd.sadd(`${P}ro:u1`, 'r3'); // a stale entry left behind
    assert.deepEqual((await store.listRooms('u1')).map((r) => r.roomToken), ['r2']);
    await connection.cmd.sadd(`${P}ro:u1`, 'never-made', 'r3');
    assert.equal(await store.countRooms('u1'), 1);
    assert.equal(await store.hasRoomBelow('u1', 2), true);
    await connection.cmd.sadd(`${P}ro:u1`, 'never-made', 'r3');
    assert.equal(await store.createRoom(room('r4'), HOUR, 2), true, 'gone members hold no place under the cap');
    assert.deepEqual((await connection.cmd.smembers(`${P}ro:u1`)).sort(), ['r2', 'r4'], 'and were dropped from the index');
    assert.deepEqual((await store.listRooms('u2')).map((r) => r.roomToken), ['r3']);
  });

  test('redis room store: keys are all under the prefix, and nothing is left once rooms, participants and notices are gone', async () => {
    const redis = fresh();
    const time = new FakeTime();
    const store = made({ clock: time, redis });
    await store.createRoom(room('r1'), 1000);
    await store.createRoom(room('r2'), 10 * HOUR);
    await store.createRoom(room('r3', 'u2'), 10 * HOUR);
    await seat(store, 'r1', person('a'), HOUR, 1000);
    await seat(store, 'r2', person('b'), 1000, 10 * HOUR);
    await seat(store, 'r3', person('c'), HOUR, 10 * HOUR);
    await store.addDeletedNotice('u1', { roomToken: 'old', deletedAt: 1 }, 1000);
    const layout = ['rm:r1', 'rm:r2', 'rm:r3', 'rp:r1', 'rp:r2', 'rp:r3', 'ro:u1', 'ro:u2', 'rn:u1', 'rne:u1', 'rmx', 'rpx', 'rnx'];
    assert.deepEqual((await keysUnder(redis.prefix)).map((k) => k.slice(redis.prefix.length)).sort(), layout.sort());
    time.advance(1000);
    await store.sweep();
    assert.deepEqual((await store.expireParticipants()).map((e) => e.roomToken), ['r2']);
    assert.equal(await store.deleteRoom('r3'), true);
    assert.equal(await store.deleteParticipant('r2', 'b'), false);
    await store.deleteRoom('r2');
    assert.deepEqual(await keysUnder(redis.prefix), []);
  });

  test('redis room store: records come back as plain frozen data; keys and names with spaces and non-ASCII text survive', async () => {
    const store = made({ clock: new FakeTime() });
    const context = { value: 'vé', alg: 'AES-GCM', wrappedKey: 'w', extra: { list: [1, 'two', null], empty: [] } };
    await store.createRoom({ ...room('r 1', 'ü ser 1'), roomName: 'Zoë 🎉', context, maxSize: 2 }, HOUR);
    const got = (await store.getRoom('r 1'))!;
    assert.deepEqual(got.context, context);
    assert.equal(got.roomName, 'Zoë 🎉');
    assert.ok(Object.isFrozen(got) && Object.isFrozen(got.context) && Object.isFrozen((got.context as typeof context).extra.list));
    const joiner: ParticipantRecord = { key: 'k é y', roomConnectionId: 'c', displayName: 'Ünï 🎉', clientMaxSize: 2, userKey: 'ü ser 2' };
    assert.equal((await store.joinRoom('r 1', join(joiner))).joined, true);
    assert.equal((await store.joinRoom('r 1', join({ ...joiner, displayName: 'again' }))).joined, true, 'its own user (with spaces) is recognised');
    assert.equal((await store.joinRoom('r 1', join({ ...joiner, key: 'x', userKey: 'ü ser 3' }))).joined, false, 'full: the owner\'s seat is kept');
    assert.equal((await store.joinRoom('r 1', join({ ...joiner, key: 'o', userKey: 'ü ser 1' }))).joined, true, 'the owner (with spaces) is recognised');
    const p = (await store.getParticipant('r 1', 'k é y'))!;
    assert.deepEqual(p, { ...joiner, displayName: 'again' });
    assert.ok(Object.isFrozen(p));
    assert.ok(Object.isFrozen((await store.listRooms('ü ser 1'))[0]));
    await store.addDeletedNotice('ü ser 1', { roomToken: 'gone', deletedAt: 5 }, HOUR);
    assert.ok(Object.isFrozen((await store.listDeletedNotices('ü ser 1'))[0]));
  });

  test('redis room store: a patch that sets a field to undefined removes it', async () => {
    const store = made({ clock: new FakeTime() });
    await store.createRoom(room('r'), HOUR);
    const updated = await store.updateRoom('r', { roomName: undefined, maxSize: 3 }, HOUR);
    assert.equal(updated!.maxSize, 3);
    assert.equal('roomName' in updated!, false);
    assert.equal('roomName' in (await store.getRoom('r'))!, false);
  });

  test('redis room store: on its schedule it sweeps by itself until closed', async () => {
    const redis = fresh();
    const time = new FakeTime();
    const store = new RedisLoopRoomStore({ redis, clock: time, sweep: { timers: time, everyMs: 1000 } });
    await store.createRoom(room('r1'), 500);
    await store.addDeletedNotice('u1', { roomToken: 'x', deletedAt: 1 }, 500);
    time.advance(1000);
    await eventually(async () => (await keysUnder(redis.prefix)).length === 0, 'the sweep to drop the room and the notice');
    await store.close();
    assert.equal(time.pendingCount, 0);
  });

  test('redis room store: when Redis cannot be reached every operation fails with a StoreError; ping answers false', async () => {
    const closed = await connectRedis({ url: await testRedisUrl(), prefix: fresh().prefix, log: pino({ level: 'silent' }) });
    await closed.close();
    const store = made({ redis: closed });
    const calls: [string, () => Promise<unknown>][] = [
      ['createRoom', () => store.createRoom(room('r'), HOUR)],
      ['getRoom', () => store.getRoom('r')],
      ['joinRoom', () => store.joinRoom('r', join(person('a')))],
      ['expireParticipants', () => store.expireParticipants()],
      ['listDeletedNotices', () => store.listDeletedNotices('u1')],
      ['sweep', () => store.sweep()],
      ['stats', () => store.stats()],
    ];
    for (const [name, call] of calls) await assert.rejects(call(), (err) => isStoreError(err) && err.message.includes('redis rooms'), name);
    assert.equal(await store.ping(), false);
  });
}
