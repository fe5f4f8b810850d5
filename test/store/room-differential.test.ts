// Differential check of the two room stores: random sequences of every LoopRoomStore call, run on the
// memory store and on the Redis store side by side on one fake clock, must give the same answers. The
// contract suite pins chosen cases; this finds the ones nobody thought of. Times are multiples of 250 ms
// (the memory store files participant expiries in 250 ms buckets, Redis to the millisecond), and the
// stores stay below their room cap (where each pushes out a different room on purpose).
import fc from 'fast-check';
import { MemoryLoopRoomStore } from '../../src/store/memory/rooms.ts';
import { RedisLoopRoomStore } from '../../src/store/redis/rooms.ts';
import type { LoopRoomStore, ParticipantRecord, RoomRecord } from '../../src/store/rooms.ts';
import type { FakeTime } from '../helpers/fake-time.ts';
import { differentialTest } from './differential.ts';
import { person, room } from './room-store-fixtures.ts';

const TOKENS = ['r1', 'r2'];
const OWNERS = ['u1', 'u2'];
const KEYS = ['a', 'b', 'c'];
const ttl = fc.constantFrom(250, 1000, 3000, 20_000, 60_000);

type Op =
  | { op: 'create'; token: string; owner: string; ttl: number; maxSize: number; maxPerOwner?: number }
  | { op: 'get'; token: string }
  | { op: 'update'; token: string; name: string; ttl: number }
  | { op: 'delete'; token: string }
  | { op: 'list'; owner: string }
  | { op: 'count'; owner: string }
  | { op: 'below'; owner: string; cap: number }
  | { op: 'join'; token: string; key: string; user?: string; clientMaxSize: number; ttl: number; roomTtl: number }
  | { op: 'participant'; token: string; key: string }
  | { op: 'touch'; token: string; key: string; ttl: number }
  | { op: 'leave'; token: string; key: string }
  | { op: 'participants'; token: string }
  | { op: 'expire' }
  | { op: 'notice'; owner: string; token: string; ttl: number }
  | { op: 'notices'; owner: string }
  | { op: 'advance'; ms: number }
  | { op: 'sweep' };

const token = fc.constantFrom(...TOKENS);
const owner = fc.constantFrom(...OWNERS);
const key = fc.constantFrom(...KEYS);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('create' as const), token, owner, ttl, maxSize: fc.constantFrom(1, 2, 3), maxPerOwner: fc.option(fc.constantFrom(1, 2), { nil: undefined }) }, { requiredKeys: ['op', 'token', 'owner', 'ttl', 'maxSize'] }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('get' as const), token }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('update' as const), token, name: fc.constantFrom('x', 'y'), ttl }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), token }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('list' as const), owner }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('count' as const), owner }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('below' as const), owner, cap: fc.constantFrom(1, 2, 3) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('join' as const), token, key, user: fc.option(fc.constantFrom('user-a', 'user-b', 'u1'), { nil: undefined }),
      clientMaxSize: fc.constantFrom(1, 2, 5), ttl, roomTtl: ttl,
    }, { requiredKeys: ['op', 'token', 'key', 'clientMaxSize', 'ttl', 'roomTtl'] }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('participant' as const), token, key }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('touch' as const), token, key, ttl }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('leave' as const), token, key }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('participants' as const), token }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('expire' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('notice' as const), owner, token, ttl }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('notices' as const), owner }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.constantFrom(250, 500, 1000, 2500) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('sweep' as const) }) },
);

const byToken = (rooms: readonly RoomRecord[]) => [...rooms].sort((x, y) => x.roomToken.localeCompare(y.roomToken));
const byKey = (people: readonly ParticipantRecord[]) => [...people].sort((x, y) => x.key.localeCompare(y.key));

/** One call on one store, its answer in a form both backends must give alike. */
async function apply(store: LoopRoomStore, o: Op, time: FakeTime): Promise<unknown> {
  switch (o.op) {
    case 'create':
      return store.createRoom({ ...room(o.token, o.owner), maxSize: o.maxSize }, o.ttl, o.maxPerOwner);
    case 'get':
      return store.getRoom(o.token);
    case 'update':
      return store.updateRoom(o.token, { roomName: o.name }, o.ttl);
    case 'delete':
      return store.deleteRoom(o.token);
    case 'list':
      return byToken(await store.listRooms(o.owner));
    case 'count':
      return store.countRooms(o.owner);
    case 'below':
      return store.hasRoomBelow(o.owner, o.cap);
    case 'join': {
      const { userKey: _, ...anonymous } = person(o.key);
      const participant: ParticipantRecord = { ...(o.user === undefined ? anonymous : { ...anonymous, userKey: o.user }), clientMaxSize: o.clientMaxSize };
      const now = Math.floor(time.now() / 1000);
      return store.joinRoom(o.token, { participant, participantTtlMs: o.ttl, ctime: now, expiresAt: now + 3600, roomTtlMs: o.roomTtl });
    }
    case 'participant':
      return store.getParticipant(o.token, o.key);
    case 'touch':
      return store.touchParticipant(o.token, o.key, o.ttl);
    case 'leave':
      return store.deleteParticipant(o.token, o.key);
    case 'participants':
      return byKey(await store.listParticipants(o.token));
    case 'expire':
      return (await store.expireParticipants())
        .map((e) => ({ roomToken: e.roomToken, participants: byKey(e.participants) }))
        .sort((x, y) => x.roomToken.localeCompare(y.roomToken));
    case 'notice':
      return store.addDeletedNotice(o.owner, { roomToken: o.token, deletedAt: Math.floor(time.now() / 1000) }, o.ttl);
    case 'notices':
      return [...(await store.listDeletedNotices(o.owner))].sort((x, y) => x.roomToken.localeCompare(y.roomToken));
    case 'advance':
      return undefined;
    case 'sweep':
      await store.sweep();
      return store.stats();
  }
}

await differentialTest({ what: 'room stores', ops: opArb, apply, memory: (time) => new MemoryLoopRoomStore({ clock: time }), redis: (time, redis) => new RedisLoopRoomStore({ clock: time, redis }) });
