import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createStores, closeStores, type Stores } from '../../src/store/index.ts';
import { FakeTime } from '../helpers/fake-time.ts';

/**
 * Backends never share a mutable object with their callers: a caller that
 * changes what it got (or what it gave) changes nothing in the store, as with
 * a networked backend. The memory backends copy on write and hand out frozen
 * records, so a write to what a read returned throws (strict mode) instead of
 * reaching the store. Records are readonly in their types; these tests write
 * through a cast, as a careless caller in plain JavaScript would.
 */

type Writable<T> = { -readonly [K in keyof T]: T[K] };
/** Runs a careless write; a TypeError (the record is frozen) is as good as a write that changes nothing. */
function scribble<T>(value: T, write: (w: Writable<T>) => void): void {
  try {
    write(value as Writable<T>);
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
  }
}

function stores(): { stores: Stores; time: FakeTime } {
  const time = new FakeTime();
  const s = createStores({
    inboxTtlMs: 60_000, inboxCapacity: 10, maxInboxes: 10, maxQueuedBytes: 1 << 20,
    loopLimits: { sessions: 10, callUrls: 10, calls: 10, nonces: 10 }, callDurationMs: 60_000,
  }, time, time);
  return { stores: s, time };
}

test('inbox store: messages move (send hands a message over, take hands it back), stats are fresh objects', async () => {
  // The inbox contract moves ownership instead of copying (no copy of every body on the hot path):
  // after send the sender must not touch the message, after take the store holds it no more.
  const { stores: s } = stores();
  await s.inbox.open('bob', 'secret', true);
  await s.inbox.send('bob', { from: 'alice', contentType: 'text/plain', body: Buffer.from('offer') });
  const stats = await s.inbox.stats();
  scribble(stats, (w) => (w.messages = 99));
  assert.equal((await s.inbox.stats()).messages, 1);
  const taken = await s.inbox.take('bob');
  scribble(taken!, (w) => (w.from = 'mallory'));
  assert.equal(await s.inbox.take('bob'), undefined, 'a taken message is no longer held');
  assert.equal((await s.inbox.stats()).messages, 0);
  await closeStores(s);
});

test('loop store: sessions, call URLs and calls come back as copies', async () => {
  const { stores: s } = stores();
  const session = { key: 'k'.repeat(64), idHmac: 'h', userKey: 'u' };
  await s.loop.createSession('id', session, 60_000);
  scribble(session, (w) => (w.userKey = 'changed-after-create'));
  scribble((await s.loop.getSession('id'))!, (w) => (w.userKey = 'changed-after-get'));
  await s.loop.updateSession('id', { identity: 'alice@example.com' });
  scribble((await s.loop.getSession('id'))!, (w) => (w.identity = 'changed-after-update'));
  assert.deepEqual(await s.loop.getSession('id'), { ...session, userKey: 'u', identity: 'alice@example.com' });

  const url = { token: 't', userKey: 'u', issuer: 'i', timestamp: 1, expires: 2 };
  await s.loop.putCallUrl(url, 60_000);
  scribble(url, (w) => (w.issuer = 'changed'));
  scribble((await s.loop.getCallUrl('t'))!, (w) => (w.issuer = 'changed'));
  scribble((await s.loop.listCallUrls('u'))[0], (w) => (w.issuer = 'changed'));
  assert.equal((await s.loop.getCallUrl('t'))!.issuer, 'i');

  await closeStores(s);
});

test('room store: rooms and participants come back as copies, nested context included', async () => {
  const { stores: s } = stores();
  const room = {
    roomToken: 'r', context: { value: 'v', alg: 'AES-GCM', wrappedKey: 'w' }, roomOwner: 'o', maxSize: 2, expiresIn: 1,
    creationTime: 1, ctime: 1, expiresAt: 9e9, ownerKey: 'u', channel: 'default', apiKey: 'a', sessionId: 's',
  };
  await s.rooms.createRoom(room, 60_000);
  scribble(room.context, (w) => (w.value = 'changed-after-create'));
  scribble((await s.rooms.getRoom('r'))!.context!, (w) => (w.value = 'changed-after-get'));
  scribble((await s.rooms.listRooms('u'))[0], (w) => (w.roomOwner = 'changed'));
  const context = { value: 'v2', alg: 'AES-GCM', wrappedKey: 'w' };
  const updated = await s.rooms.updateRoom('r', { context }, 60_000);
  scribble(context, (w) => (w.value = 'changed-after-update'));
  scribble(updated!.context!, (w) => (w.value = 'changed-after-update'));
  const again = await s.rooms.getRoom('r');
  assert.equal(again!.context!.value, 'v2');
  assert.equal(again!.roomOwner, 'o');

  const participant = { key: 'p', displayName: 'Bob', clientMaxSize: 2, account: 'x', joinedAt: 1 };
  await s.rooms.putParticipant('r', participant as never, 60_000);
  scribble(participant, (w) => (w.displayName = 'changed'));
  scribble((await s.rooms.listParticipants('r'))[0] as unknown as typeof participant, (w) => (w.displayName = 'changed'));
  assert.equal(((await s.rooms.getParticipant('r', 'p')) as unknown as typeof participant).displayName, 'Bob');
  await closeStores(s);
});

test('call-state store: a record comes back as a copy, its markers and devices too', async () => {
  const { stores: s } = stores();
  const call = {
    callId: 'c', callerId: 'x', calleeFriendlyName: 'y', callType: 'audio', timestamp: 1, wsCallerToken: 'a', wsCalleeToken: 'b',
    apiKey: 'k', sessionId: 's', calleeToken: 't',
  };
  await s.callState.create(call, ['u']);
  scribble(call, (w) => (w.callerId = 'changed'));
  scribble((await s.callState.listCalls('u'))[0], (w) => (w.callerId = 'changed'));
  assert.equal((await s.callState.listCalls('u'))[0].callerId, 'x');
  const got = await s.callState.get('c');
  scribble(got!.markers as string[], (w) => w.push('connecting'));
  scribble(got!.devices, (w) => (w.caller = 5));
  const again = await s.callState.get('c');
  assert.deepEqual(again!.markers, ['init']);
  assert.equal(again!.devices.caller, 0);
  await closeStores(s);
});
