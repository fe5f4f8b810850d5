import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestServer } from '../helpers/server.ts';
import { hawkFetch, register, send, useLoopServer } from '../helpers/loop.ts';
import { CONTEXT, createRoom, pushPath, pushesTo, roomGet, versionOf, type Capture } from './rooms/fixtures.ts';

// The server's wall clock runs `offsetSec` ahead of real time, so tests can make ctimes differ without sleeping.
let offsetSec = 0;
const serverNow = () => Math.floor(Date.now() / 1000) + offsetSec;
let server: TestServer;
let capture: Capture;
useLoopServer((f) => ({ server, capture } = f), {}, { nowMs: () => Date.now() + offsetSec * 1000 });

test('§17.69 PATCH by a non-owner is 403; by the owner it replaces the given fields and resets the lifetime', async () => {
  const path = pushPath('patch');
  const owner = await register(server, { identity: 'owner69@example.com', push: { rooms: `${capture.url}${path}` } });
  const token = await createRoom(server, owner.creds, { context: undefined, roomName: 'Old', roomOwner: 'Alice', maxSize: 3, expiresIn: 2 });
  const stranger = await register(server, { identity: 'stranger69@example.com' });
  const denied = await hawkFetch(server, stranger.creds, 'PATCH', `/v1/rooms/${token}`, { body: { roomName: 'Hijack' } });
  assert.deepEqual(denied.json, { code: 403, errno: 999, error: 'Authenticated user is not the owner of this room.' });
  // §8.8: validation comes before the owner check.
  const invalid = await hawkFetch(server, stranger.creds, 'PATCH', `/v1/rooms/${token}`, { body: { maxSize: 6 } });
  assert.deepEqual(invalid.json, { code: 400, errno: 107, error: 'maxSize cannot be greater than 5' });

  offsetSec += 5;
  const r = await hawkFetch(server, owner.creds, 'PATCH', `/v1/rooms/${token}`, { body: { roomName: 'New' } });
  assert.equal(r.status, 200);
  assert.deepEqual(Object.keys(r.json), ['expiresAt']);
  assert.ok(Math.abs(r.json.expiresAt - (serverNow() + 1344 * 3600)) <= 2, 'expiresIn falls back to the default');
  assert.equal(r.res.headers.get('alert'), 'The roomName parameter has been deprecated, you should use context.');
  const full = await hawkFetch(server, owner.creds, 'GET', `/v1/rooms/${token}`);
  assert.equal(full.json.roomName, 'New');
  assert.equal(full.json.roomOwner, 'Alice');
  assert.equal(full.json.maxSize, 3);
  assert.equal(full.json.expiresAt, r.json.expiresAt);
  assert.ok(full.json.ctime > full.json.creationTime, 'ctime moved, creationTime did not');
  const pushes = await pushesTo(capture, path, 2);
  assert.equal(pushes.length, 2, 'one push at create, one at update');
  assert.ok(Math.abs(versionOf(pushes[1]) - serverNow()) <= 2);

  const more = await hawkFetch(server, owner.creds, 'PATCH', `/v1/rooms/${token}`, { body: { roomOwner: 'Bob', maxSize: '2', expiresIn: 1, context: CONTEXT } });
  assert.ok(Math.abs(more.json.expiresAt - (serverNow() + 3600)) <= 2);
  const after = (await hawkFetch(server, owner.creds, 'GET', `/v1/rooms/${token}`)).json;
  assert.deepEqual([after.roomOwner, after.maxSize, after.context, after.roomName], ['Bob', 2, CONTEXT, 'New']);
  const unknown = await hawkFetch(server, owner.creds, 'PATCH', '/v1/rooms/AAAAAAAAAAA', { body: { roomName: 'x' } });
  assert.deepEqual(unknown.json, { code: 404, errno: 105, error: 'Token not found.' });
  assert.equal((await send(server, 'PATCH', `/v1/rooms/${token}`, { roomName: 'x' })).status, 401);
});

test('§17.70 PATCH with {"context":null} is 400 errno 107', async () => {
  const { creds } = await register(server);
  const token = await createRoom(server, creds);
  const r = await hawkFetch(server, creds, 'PATCH', `/v1/rooms/${token}`, { body: { context: null } });
  assert.deepEqual(r.json, { code: 400, errno: 107, error: 'context should be an object containing `value`, `alg` and `wrappedKey` properties.' });
});

test('§17.71 DELETE by the owner is 204; the room is then 404 and listed as deleted only with a version', async () => {
  const path = pushPath('delete');
  const owner = await register(server, { push: { rooms: `${capture.url}${path}` } });
  const token = await createRoom(server, owner.creds);
  const keep = await createRoom(server, owner.creds);
  const stranger = await register(server);
  const denied = await hawkFetch(server, stranger.creds, 'DELETE', `/v1/rooms/${token}`);
  assert.deepEqual(denied.json, { code: 403, errno: 999, error: 'Authenticated user is not the owner of this room.' });
  const r = await hawkFetch(server, owner.creds, 'DELETE', `/v1/rooms/${token}`);
  assert.equal(r.status, 204);
  assert.equal(r.text, '');
  assert.equal((await roomGet(server, token)).status, 404);
  assert.equal((await hawkFetch(server, owner.creds, 'DELETE', `/v1/rooms/${token}`)).json.errno, 105);
  assert.equal((await hawkFetch(server, owner.creds, 'PATCH', `/v1/rooms/${token}`, { body: {} })).status, 404);
  const withVersion = await hawkFetch(server, owner.creds, 'GET', '/v1/rooms?version=1');
  assert.deepEqual(withVersion.json.find((x: { roomToken: string }) => x.roomToken === token), { roomToken: token, deleted: true });
  assert.ok(withVersion.json.some((x: { roomToken: string; deleted?: boolean }) => x.roomToken === keep && !x.deleted));
  const plain = await hawkFetch(server, owner.creds, 'GET', '/v1/rooms');
  assert.deepEqual(plain.json.map((x: { roomToken: string }) => x.roomToken), [keep]);
  assert.equal((await pushesTo(capture, path, 3)).length, 3, 'two creates and the delete');
});

test('§17.72 PATCH /v1/rooms: empty list 400, mixed list 207, only unknown tokens 404', async () => {
  const path = pushPath('bulk');
  const owner = await register(server, { push: { rooms: `${capture.url}${path}` } });
  const other = await register(server);
  const mine = await createRoom(server, owner.creds);
  const theirs = await createRoom(server, other.creds);
  const bulk = (body: unknown) => hawkFetch(server, owner.creds, 'PATCH', '/v1/rooms', { body });
  assert.deepEqual((await bulk({ deleteRoomTokens: [] })).json, { code: 400, errno: 107, error: 'deleteRoomTokens should not be empty.' });
  assert.deepEqual((await bulk({})).json, { code: 400, errno: 108, error: 'Missing: deleteRoomTokens' });
  assert.equal((await bulk({ deleteRoomTokens: 'abc' })).json.errno, 107);
  assert.equal((await bulk({ deleteRoomTokens: [1, 2] })).json.errno, 107);

  const r = await bulk({ deleteRoomTokens: [mine, 'foobar', theirs] });
  assert.equal(r.status, 207);
  const notFound = { code: 404, errno: 105, error: 'Room not found.' };
  assert.deepEqual(r.json, { responses: { [mine]: { code: 200 }, foobar: notFound, [theirs]: notFound } });
  assert.equal((await roomGet(server, mine)).status, 404);
  assert.equal((await roomGet(server, theirs)).status, 200, "another user's room is untouched");
  const none = await bulk({ deleteRoomTokens: ['foobar', mine] });
  assert.equal(none.status, 404);
  assert.deepEqual(none.json, { responses: { foobar: notFound, [mine]: notFound } });
  assert.equal((await pushesTo(capture, path, 2)).length, 2, 'create, then one push for the bulk delete');
  const listed = await hawkFetch(server, owner.creds, 'GET', '/v1/rooms?version=1');
  assert.deepEqual(listed.json, [{ roomToken: mine, deleted: true }]);
});

test('§17.73 GET /v1/rooms?version=<t> returns only rooms whose ctime ≥ t; deleted notices only when t > 0', async () => {
  const { creds } = await register(server);
  const first = await createRoom(server, creds);
  offsetSec += 10;
  const t = serverNow();
  const second = await createRoom(server, creds);
  const list = async (q: string) => (await hawkFetch(server, creds, 'GET', `/v1/rooms${q}`)).json.map((x: { roomToken: string }) => x.roomToken);
  assert.deepEqual(await list(`?version=${t}`), [second]);
  assert.deepEqual(await list(`?version=${t + 100}`), []);
  assert.deepEqual(await list(''), [first, second]);
  assert.deepEqual(await list('?version=0'), [first, second]);
  assert.deepEqual(await list('?version=abc'), [first, second], 'NaN lists everything');
  assert.deepEqual(await list(`?version=${t}%20rooms`), [second], 'parsed as integer');
  offsetSec += 10;
  await hawkFetch(server, creds, 'DELETE', `/v1/rooms/${first}`);
  const deletedAfter = (await hawkFetch(server, creds, 'GET', `/v1/rooms?version=${serverNow()}`)).json;
  assert.deepEqual(deletedAfter, [{ roomToken: first, deleted: true }]);
  const later = (await hawkFetch(server, creds, 'GET', `/v1/rooms?version=${serverNow() + 5}`)).json;
  assert.deepEqual(later, [], 'a notice older than N is not listed');
});
