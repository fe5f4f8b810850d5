import assert from 'node:assert/strict';
import { test } from 'node:test';
import { joinRefusalError } from '../../../src/loop/rooms/capacity.ts';
import { capacityRefusal } from '../../../src/store/room-capacity.ts';
import { clientMaxSize, fullView, publicView } from '../../../src/loop/rooms/views.ts';
import type { ParticipantRecord, RoomRecord } from '../../../src/store/rooms.ts';

const room = (maxSize: number): RoomRecord => ({
  roomToken: 'tok', context: null, roomOwner: 'O', maxSize, expiresIn: 1, creationTime: 1, ctime: 2, expiresAt: 3,
  ownerKey: 'owner', channel: 'default', apiKey: 'k', sessionId: 's',
});
let n = 0;
const p = (clientMaxSize: number, userKey?: string): ParticipantRecord => ({
  key: `p${++n}`, roomConnectionId: `id${n}`, displayName: `P${n}`, clientMaxSize, ...(userKey ? { userKey } : {}),
});
/** The errno a join gets from the §8.11 rule (as the store applies it), or 'ok'. */
const errnoOf = (refusal: ReturnType<typeof capacityRefusal>) => (refusal ? joinRefusalError(refusal).errno : 'ok');

test('§8.11 the examples of the spec (maxSize 2, one seat kept for the owner)', () => {
  const r = room(2);
  assert.equal(errnoOf(capacityRefusal(r, [], { userKey: 'a', clientMaxSize: 2 })), 'ok');
  const one = [p(2, 'a')];
  assert.equal(errnoOf(capacityRefusal(r, one, { userKey: 'b', clientMaxSize: 2 })), 202);
  assert.equal(errnoOf(capacityRefusal(r, one, { clientMaxSize: 2 })), 202, 'unauthenticated too');
  assert.equal(errnoOf(capacityRefusal(r, one, { userKey: 'owner', clientMaxSize: 2 })), 'ok', 'the owner can still join');
});

test('§8.11 clientMaxSize of the others caps the room; the joiner must handle the others', () => {
  const r = room(3);
  const ownerIn = [p(2, 'owner')];
  assert.equal(errnoOf(capacityRefusal(r, ownerIn, { userKey: 'b', clientMaxSize: 2 })), 'ok');
  assert.equal(errnoOf(capacityRefusal(r, [...ownerIn, p(2, 'b')], { userKey: 'c', clientMaxSize: 2 })), 202);
  assert.equal(errnoOf(capacityRefusal(r, [p(5, 'owner')], { userKey: 'b', clientMaxSize: 1 })), 121);
  assert.equal(errnoOf(capacityRefusal(r, [], { clientMaxSize: 0 })), 121);
});

test('§8.11 only Hawk joiners remove their own user from the others', () => {
  const r = room(2);
  const mine = [p(2, 'a')];
  assert.equal(errnoOf(capacityRefusal(r, mine, { userKey: 'a', clientMaxSize: 2 })), 'ok', 'a Hawk rejoin');
  assert.equal(errnoOf(capacityRefusal(r, [p(2)], { clientMaxSize: 2 })), 202, 'a Basic rejoin counts itself');
});

test('join refusals map to their §8.10 answers', () => {
  assert.deepEqual([joinRefusalError('no-room'), joinRefusalError('full'), joinRefusalError('client-capacity')].map((e) => e.toJSON()), [
    { code: 404, errno: 105, error: 'Token not found.' },
    { code: 400, errno: 202, error: 'The room is full.' },
    { code: 400, errno: 121, error: 'Too many participants in the room for you to handle.' },
  ]);
});

test('§8.6–8.7 views: public keys only; full view with clientMaxSize and owner flags, no internal keys', () => {
  const r = { ...room(4), roomName: 'Name' };
  assert.deepEqual(publicView(r, 'u'), { roomToken: 'tok', roomName: 'Name', context: null, roomOwner: 'O', roomUrl: 'u' });
  assert.equal(clientMaxSize(r, []), 4);
  const people = [{ ...p(3, 'owner'), account: 'o@example.com' }, p(2, 'x'), p(9)];
  const v = fullView(r, people, 'u') as { clientMaxSize: number; participants: Record<string, unknown>[] };
  assert.equal(v.clientMaxSize, 2);
  assert.deepEqual(v.participants[0], { roomConnectionId: people[0].roomConnectionId, displayName: people[0].displayName, account: 'o@example.com', owner: true });
  assert.deepEqual(v.participants.map((x) => x.owner), [true, false, false]);
  assert.ok(!JSON.stringify(v).includes('"key"') && !JSON.stringify(v).includes('ownerKey'));
});
