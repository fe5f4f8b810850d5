import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closeStores, type Stores } from '../../src/store/index.ts';
import type { StoredMessage } from '../../src/store/inbox.ts';
import { smallStores } from './small-stores.ts';
import { FakeTime } from '../helpers/fake-time.ts';
import { scribble } from './scribble.ts';

// Backends never share a mutable object with their callers (see scribble.ts). The Loop and room
// stores' cases are in their contract suites, joinRoom's excepted (below); the inbox and call-state ones are here.

function stores(): { stores: Stores; time: FakeTime } {
  const time = new FakeTime();
  const s = smallStores(time);
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
  scribble(taken as StoredMessage, (w) => (w.from = 'mallory'));
  assert.equal(await s.inbox.take('bob'), undefined, 'a taken message is no longer held');
  assert.equal((await s.inbox.stats()).messages, 0);
  await closeStores(s);
});

test('room store: what joinRoom writes and returns is not shared', async () => {
  const { stores: s } = stores();
  const room = {
    roomToken: 'r', context: null, roomOwner: 'o', maxSize: 2, expiresIn: 1,
    creationTime: 1, ctime: 1, expiresAt: 9e9, ownerKey: 'u', channel: 'default', apiKey: 'a', sessionId: 's',
  };
  await s.rooms.createRoom(room, 60_000);
  const joiner = { key: 'j', roomConnectionId: 'id', displayName: 'Jo', clientMaxSize: 2, userKey: 'u' };
  const joined = await s.rooms.joinRoom('r', { participant: joiner, participantTtlMs: 60_000, ctime: 2, expiresAt: 9e9, roomTtlMs: 60_000 });
  assert.ok(joined.joined);
  scribble(joiner, (w) => (w.displayName = 'changed-after-join'));
  scribble(joined.room, (w) => (w.roomOwner = 'changed-after-join'));
  assert.equal((await s.rooms.getParticipant('r', 'j'))!.displayName, 'Jo');
  assert.equal((await s.rooms.getRoom('r'))!.roomOwner, 'o');
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
