import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { isLoopError, type LoopError } from '../../../src/loop/errors.ts';
import { WRONG_TYPE } from '../../../src/loop/input.ts';
import type { MediaProvider } from '../../../src/loop/external/types.ts';
import { createRooms, type RoomCaller } from '../../../src/loop/rooms/index.ts';
import type { RoomSettings } from '../../../src/loop/rooms/validation.ts';
import { MemoryLoopRoomStore } from '../../../src/store/memory/rooms.ts';
import { FakeTime } from '../../helpers/fake-time.ts';

const EPOCH_MS = 1_700_000_000_000;
const settings = {
  defaultTTL: 1344, maxTTL: 1344, extendTTL: 1344, participantTTL: 300, deletedTTL: 1620, maxSize: 5,
  maxRoomNameSize: 100, maxRoomOwnerSize: 255, tokenSize: 8,
} as RoomSettings;

/** A provider whose api key can be rotated; tokens say their role and session. */
class StubProvider implements MediaProvider {
  readonly fake = true;
  apiKey = 'key1';
  sessions = 0;
  async createSession() {
    return { apiKey: this.apiKey, sessionId: `session-${++this.sessions}` };
  }
  createToken(sessionId: string, _c: string, role: string) {
    return `${role}:${sessionId}:${Math.random().toString(36).slice(2)}`;
  }
  currentApiKey() {
    return this.apiKey;
  }
  async ping() {}
}

function setup() {
  const time = new FakeTime();
  const provider = new StubProvider();
  const pushes: [string, number][] = [];
  const store = new MemoryLoopRoomStore({ clock: time });
  const rooms = createRooms({
    store, settings, durations: { participantTtlMs: 300_000, participantTtlSec: 300, deletedTtlMs: 1_620_000, extendTtlMs: 1344 * 3_600_000 }, provider, tokenDurationSec: 86400, log: pino({ level: 'silent' }),
    notifyOwner: async (owner, version) => void pushes.push([owner, version]),
    userMac: (v) => `mac(${v})`,
    roomUrl: (token) => `http://rooms.test/${token}`,
    nowMs: () => EPOCH_MS + time.now(),
  }, time);
  const nowSec = () => Math.floor((EPOCH_MS + time.now()) / 1000);
  return { time, provider, pushes, store, rooms, nowSec };
}
const hawk = (userKey: string, identity?: string): RoomCaller => ({ kind: 'hawk', participantKey: `id-${userKey}`, userKey, ...(identity ? { identity } : {}) });
const ok = <T>(v: T | LoopError): T => {
  assert.ok(!isLoopError(v), `unexpected error ${JSON.stringify(v)}`);
  return v as T;
};
const flush = () => new Promise((r) => setImmediate(r));
/** Moves fake time in timer-sized steps, letting each async expiry tick finish (as real time would). */
async function advance(time: FakeTime, ms: number): Promise<void> {
  for (let done = 0; done < ms; done += 250) {
    time.advance(Math.min(250, ms - done));
    await flush();
  }
}

test('create stores the room with its times and pushes the owner with ctime', async () => {
  const { rooms, pushes, nowSec, store } = setup();
  const created = ok(await rooms.owner.create('owner', { roomName: 'R', roomOwner: 'O', maxSize: 2, expiresIn: 3 }));
  assert.equal(created.roomUrl, `http://rooms.test/${created.roomToken}`);
  assert.equal(created.expiresAt, nowSec() + 3 * 3600);
  const room = (await store.getRoom(created.roomToken))!;
  assert.deepEqual([room.creationTime, room.ctime, room.channel, room.sessionId], [nowSec(), nowSec(), 'default', 'session-1']);
  assert.deepEqual(pushes, [['owner', nowSec()]]);
});

test('join touches the room (ctime, extendTTL) and pushes; the owner is moderator; leave touches again', async () => {
  const { rooms, pushes, time, store, nowSec } = setup();
  const { roomToken } = ok(await rooms.owner.create('owner', { roomName: 'R', roomOwner: 'O', maxSize: 3, expiresIn: 1 }));
  time.advance(10_000);
  const room = (await store.getRoom(roomToken))!;
  const answer = ok(await rooms.participants.join(room, hawk('owner', 'o@x'), { displayName: 'O', clientMaxSize: 3 }));
  assert.match(answer.sessionToken, /^moderator:session-1:/);
  assert.equal(answer.expires, 300);
  const touched = (await store.getRoom(roomToken))!;
  assert.equal(touched.ctime, nowSec());
  assert.equal(touched.expiresAt, nowSec() + 1344 * 3600);
  assert.deepEqual(pushes.at(-1), ['owner', nowSec()]);
  const guest = ok(await rooms.participants.join(touched, { kind: 'none' }, { displayName: 'G', clientMaxSize: 3 }));
  assert.match(guest.sessionToken, /^publisher:/);
  const caller = await rooms.participants.tokenCaller(roomToken, guest.sessionToken);
  assert.deepEqual(caller, { kind: 'token', participantKey: `mac(${guest.sessionToken})` });
  time.advance(5000);
  assert.equal(await rooms.participants.leave(touched, caller!), null);
  assert.equal((await store.getRoom(roomToken))!.ctime, nowSec());
  assert.equal(await rooms.participants.tokenCaller(roomToken, guest.sessionToken), null);
  assert.equal(pushes.length, 4);
});

test('two concurrent joins into the last seat: exactly one gets in', async () => {
  const { rooms, store } = setup();
  const { roomToken } = ok(await rooms.owner.create('owner', { roomName: 'R', roomOwner: 'O', maxSize: 2 }));
  const room = (await store.getRoom(roomToken))!;
  const results = await Promise.all([
    rooms.participants.join(room, hawk('a'), { displayName: 'A', clientMaxSize: 2 }),
    rooms.participants.join(room, hawk('b'), { displayName: 'B', clientMaxSize: 2 }),
  ]);
  assert.deepEqual(results.map((r) => (isLoopError(r) ? r.errno : 'ok')).sort(), [202, 'ok']);
  assert.equal((await store.listParticipants(roomToken)).length, 1);
});

test('§8.10 step 2: a rotated api key gives the room a new provider session at the next join', async () => {
  const { rooms, provider, store } = setup();
  const { roomToken } = ok(await rooms.owner.create('owner', { roomName: 'R', roomOwner: 'O', maxSize: 2 }));
  provider.apiKey = 'key2';
  const answer = ok(await rooms.participants.join((await store.getRoom(roomToken))!, hawk('a'), { displayName: 'A', clientMaxSize: 2 }));
  assert.deepEqual([answer.apiKey, answer.sessionId], ['key2', 'session-2']);
  assert.equal((await store.getRoom(roomToken))!.sessionId, 'session-2');
});

test('§8.12 the expiry timer removes a silent participant, touches the room and pushes once per room', async () => {
  const { rooms, pushes, time, store, nowSec } = setup();
  rooms.expiry.start();
  const { roomToken } = ok(await rooms.owner.create('owner', { roomName: 'R', roomOwner: 'O', maxSize: 5 }));
  const room = (await store.getRoom(roomToken))!;
  ok(await rooms.participants.join(room, hawk('a'), { displayName: 'A', clientMaxSize: 5 }));
  ok(await rooms.participants.join(room, hawk('b'), { displayName: 'B', clientMaxSize: 5 }));
  ok(await rooms.participants.join(room, hawk('c'), { displayName: 'C', clientMaxSize: 5 }));
  await advance(time, 200_000);
  ok(await rooms.participants.refresh(room, hawk('c')));
  const before = pushes.length;
  await advance(time, 100_000 + 500);
  assert.deepEqual((await store.listParticipants(roomToken)).map((p) => p.displayName), ['C']);
  assert.equal(pushes.length, before + 1, 'one touch and push for the two expired together');
  assert.equal((await store.getRoom(roomToken))!.ctime, nowSec());
  assert.equal((await rooms.participants.refresh(room, hawk('a')) as LoopError).status, 410);
  rooms.expiry.stop();
  assert.equal(time.pendingCount, 0, 'stop clears its timer');
});

const failure = (v: unknown): [number, number, unknown] => {
  assert.ok(isLoopError(v), `expected an error, got ${JSON.stringify(v)}`);
  return [v.status, v.errno, v.error];
};

test('create refuses bad typed inputs before any provider session, store write or push', async () => {
  const { rooms, provider, store, pushes } = setup();
  assert.deepEqual(failure(await rooms.owner.create('owner', { expiresIn: NaN })), [400, 108, 'Missing: context,roomName, roomOwner, maxSize']);
  assert.deepEqual(failure(await rooms.owner.create('owner', { roomName: 'R', roomOwner: WRONG_TYPE, maxSize: NaN })), [400, 107, 'roomOwner should be a string']);
  assert.deepEqual(failure(await rooms.owner.create('owner', { roomName: 'R', roomOwner: 'O', maxSize: 6 })), [400, 107, 'maxSize cannot be greater than 5']);
  assert.deepEqual([provider.sessions, (await store.listRooms('owner')).length, pushes.length], [0, 0, 0]);
});

test('update: 404 before validation, validation before ownership; given fields replaced, {} resets the lifetime', async () => {
  const { rooms, store, time, nowSec } = setup();
  const { roomToken } = ok(await rooms.owner.create('owner', { roomName: 'R', roomOwner: 'O', maxSize: 2, expiresIn: 3 }));
  assert.deepEqual(failure(await rooms.owner.update('nope', 'owner', { maxSize: NaN })), [404, 105, 'Token not found.']);
  assert.deepEqual(failure(await rooms.owner.update(roomToken, 'mallory', { maxSize: NaN })), [400, 107, 'maxSize should be a positive number']);
  assert.deepEqual(failure(await rooms.owner.update(roomToken, 'mallory', { maxSize: 3 })), [403, 999, 'Authenticated user is not the owner of this room.']);
  time.advance(5000);
  assert.deepEqual(ok(await rooms.owner.update(roomToken, 'owner', { roomOwner: 'New', maxSize: 4, channel: 'ignored' })), { expiresAt: nowSec() + 1344 * 3600 });
  const room = (await store.getRoom(roomToken))!;
  assert.deepEqual([room.roomName, room.roomOwner, room.maxSize, room.expiresIn, room.ctime, room.channel], ['R', 'New', 4, 1344, nowSec(), 'default']);
});

test('removeMany: deleteRoomTokens required, an array of strings, not empty; per-token answers, 404 when none went', async () => {
  const { rooms, store } = setup();
  assert.deepEqual(failure(await rooms.owner.removeMany('owner', {})), [400, 108, 'Missing: deleteRoomTokens']);
  assert.deepEqual(failure(await rooms.owner.removeMany('owner', { deleteRoomTokens: WRONG_TYPE })), [400, 107, 'deleteRoomTokens should be an array of strings']);
  assert.deepEqual(failure(await rooms.owner.removeMany('owner', { deleteRoomTokens: [] })), [400, 107, 'deleteRoomTokens should not be empty.']);
  const mine = ok(await rooms.owner.create('owner', { roomName: 'R', roomOwner: 'O', maxSize: 2 })).roomToken;
  const theirs = ok(await rooms.owner.create('other', { roomName: 'R', roomOwner: 'O', maxSize: 2 })).roomToken;
  const gone = { code: 404, errno: 105, error: 'Room not found.' };
  assert.deepEqual(ok(await rooms.owner.removeMany('owner', { deleteRoomTokens: [theirs, 'nope'] })), { status: 404, responses: { [theirs]: gone, nope: gone } });
  assert.deepEqual(ok(await rooms.owner.removeMany('owner', { deleteRoomTokens: [mine, mine, theirs] })), { status: 207, responses: { [mine]: { code: 200 }, [theirs]: gone } });
  assert.deepEqual([await store.getRoom(mine), (await store.getRoom(theirs))?.roomToken], [undefined, theirs]);
});

test('list: rooms with ctime ≥ since; deleted notices only when since > 0', async () => {
  const { rooms, time, nowSec } = setup();
  const first = ok(await rooms.owner.create('owner', { roomName: 'A', roomOwner: 'O', maxSize: 2 })).roomToken;
  time.advance(10_000);
  const since = nowSec();
  const second = ok(await rooms.owner.create('owner', { roomName: 'B', roomOwner: 'O', maxSize: 2 })).roomToken;
  assert.equal(await rooms.owner.remove(first, 'owner'), null);
  const tokens = (list: unknown[]) => (list as { roomToken: string; deleted?: true }[]).map((r) => (r.deleted ? `-${r.roomToken}` : r.roomToken));
  assert.deepEqual(tokens(await rooms.owner.list('owner', 0)), [second]);
  assert.deepEqual(tokens(await rooms.owner.list('owner', since)), [second, `-${first}`]);
  assert.deepEqual(tokens(await rooms.owner.list('owner', since + 1)), []);
});

test('join refuses bad typed inputs in order: missing fields, displayName, clientMaxSize; nobody joins', async () => {
  const { rooms, store } = setup();
  const { roomToken } = ok(await rooms.owner.create('owner', { roomName: 'R', roomOwner: 'O', maxSize: 2 }));
  const room = (await store.getRoom(roomToken))!;
  const join = (request: Parameters<typeof rooms.participants.join>[2]) => rooms.participants.join(room, hawk('a'), request);
  assert.deepEqual(failure(await join({})), [400, 108, 'Missing: displayName, clientMaxSize']);
  assert.deepEqual(failure(await join({ displayName: WRONG_TYPE })), [400, 108, 'Missing: clientMaxSize']);
  assert.deepEqual(failure(await join({ clientMaxSize: 2 })), [400, 108, 'Missing: displayName']);
  assert.deepEqual(failure(await join({ displayName: WRONG_TYPE, clientMaxSize: NaN })), [400, 107, 'displayName should be a string']);
  assert.deepEqual(failure(await join({ displayName: 'x'.repeat(256), clientMaxSize: NaN })), [400, 107, 'displayName should be shorter than 255 characters']);
  assert.deepEqual(failure(await join({ displayName: 'A', clientMaxSize: NaN })), [400, 107, 'clientMaxSize should be a number.']);
  assert.deepEqual(await store.listParticipants(roomToken), []);
  ok(await join({ displayName: 'x'.repeat(255), clientMaxSize: 2 }));
});
