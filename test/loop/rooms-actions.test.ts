import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestServer } from '../helpers/server.ts';
import { hawkFetch, register, useLoopServer } from '../helpers/loop.ts';
import { basicOf, createRoom, pushPath, pushesTo, roomGet, roomPost, roomAct, roomJoin, type Capture } from './rooms/fixtures.ts';

let server: TestServer;
let capture: Capture;
useLoopServer((f) => ({ server, capture } = f));


test('§17.63 refresh by a participant is 200 {"expires":300}; by a Hawk user who never joined 410', async () => {
  const owner = await register(server);
  const token = await createRoom(server, owner.creds);
  const guest = await register(server);
  await roomJoin(server, guest.creds, token);
  const before = (await hawkFetch(server, owner.creds, 'GET', `/v1/rooms/${token}`)).json.ctime;
  const r = await roomAct(server, guest.creds, token, { action: 'refresh' });
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { expires: 300 });
  assert.equal((await hawkFetch(server, owner.creds, 'GET', `/v1/rooms/${token}`)).json.ctime, before, 'refresh leaves ctime alone');
  const never = await roomAct(server, owner.creds, token, { action: 'refresh' });
  assert.equal(never.status, 410);
  assert.deepEqual(never.json, { code: 410, errno: 111, error: 'Participation has expired.' });
});

test('§17.64–65 leave by a Hawk or Basic participant is 204 and removes it; leaving twice is 400 errno 203', async () => {
  const path = pushPath('leave');
  const owner = await register(server, { push: { rooms: `${capture.url}${path}` } });
  const token = await createRoom(server, owner.creds);
  const guest = await register(server);
  await roomJoin(server, guest.creds, token);
  const anon = await roomPost(server, token, { action: 'join', displayName: 'Anon', clientMaxSize: 5 });
  const basic = basicOf(anon.json.sessionToken);
  assert.equal((await hawkFetch(server, owner.creds, 'GET', `/v1/rooms/${token}`)).json.participants.length, 2);
  const left = await roomAct(server, guest.creds, token, { action: 'leave' });
  assert.equal(left.status, 204);
  assert.equal(left.text, '');
  assert.deepEqual((await hawkFetch(server, owner.creds, 'GET', `/v1/rooms/${token}`)).json.participants.map((p: { displayName: string }) => p.displayName), ['Anon']);
  assert.deepEqual((await roomAct(server, guest.creds, token, { action: 'leave' })).json, {
    code: 400, errno: 203, error: 'Unable to leave a room you have not joined.',
  });
  assert.equal((await hawkFetch(server, guest.creds, 'GET', `/v1/rooms/${token}`)).status, 403, 'no longer a participant');
  assert.equal((await roomPost(server, token, { action: 'leave' }, basic)).status, 204);
  assert.equal((await roomGet(server, token, basic)).status, 401, 'the Basic credential died with the participant');
  assert.equal((await roomPost(server, token, { action: 'refresh' }, basic)).status, 401);
  assert.equal((await pushesTo(capture, path, 5)).length, 5, 'create, two joins, two leaves');
});

test('§17.66 status: 204 for a participant; missing field, negative count and non-participant are 400', async () => {
  const owner = await register(server);
  const token = await createRoom(server, owner.creds);
  await roomJoin(server, owner.creds, token);
  const full = { action: 'status', event: 'Session.connectionCreated', state: 'sendrecv', connections: 2, sendStreams: '1', recvStreams: 1 };
  assert.equal((await roomAct(server, owner.creds, token, full, { Accept: 'text/html' })).status, 204, 'status is not negotiated');
  const { event: _e, ...noEvent } = full;
  assert.deepEqual((await roomAct(server, owner.creds, token, noEvent)).json, { code: 400, errno: 107, error: "'event' field is missing in body." });
  const { recvStreams: _r, ...noRecv } = full;
  assert.equal((await roomAct(server, owner.creds, token, noRecv)).json.error, "'recvStreams' field is missing in body.");
  assert.deepEqual((await roomAct(server, owner.creds, token, { ...full, connections: -1 })).json, { code: 400, errno: 107, error: 'Invalid connections number.' });
  assert.equal((await roomAct(server, owner.creds, token, { ...full, sendStreams: 'x' })).json.error, 'Invalid sendStreams number.');
  const stranger = await register(server);
  assert.deepEqual((await roomAct(server, stranger.creds, token, full)).json, { code: 400, errno: 203, error: "Can't update status for a room you aren't in." });
});

test('§17.67 logDomain: bad list 400 errno 107; a valid list by a participant 204; a non-participant 400 errno 203', async () => {
  const owner = await register(server);
  const token = await createRoom(server, owner.creds);
  await roomJoin(server, owner.creds, token);
  const message = 'Domains must be a list of objects with both a ``domain`` and ``count`` property.';
  assert.deepEqual((await roomAct(server, owner.creds, token, { action: 'logDomain', domains: [{ domain: 'a.org' }] })).json, { code: 400, errno: 107, error: message });
  assert.equal((await roomAct(server, owner.creds, token, { action: 'logDomain', domains: 'a.org' })).json.error, message);
  assert.deepEqual((await roomAct(server, owner.creds, token, { action: 'logDomain' })).json, { code: 400, errno: 108, error: 'Missing: domains' });
  const ok = await roomAct(server, owner.creds, token, { action: 'logDomain', domains: [{ domain: 'a.org', count: 3 }] });
  assert.equal(ok.status, 204);
  const stranger = await register(server);
  assert.equal((await roomAct(server, stranger.creds, token, { action: 'logDomain', domains: [{ domain: 'a.org', count: 3 }] })).json.errno, 203);
});

test('§8.9 deleting a room ends its participants and their Basic credentials', async () => {
  const owner = await register(server);
  const token = await createRoom(server, owner.creds);
  const anon = await roomPost(server, token, { action: 'join', displayName: 'Anon', clientMaxSize: 5 });
  assert.equal((await hawkFetch(server, owner.creds, 'DELETE', `/v1/rooms/${token}`)).status, 204);
  assert.equal((await roomGet(server, token, basicOf(anon.json.sessionToken))).status, 404);
  assert.equal((await roomPost(server, token, { action: 'refresh' }, basicOf(anon.json.sessionToken))).status, 404);
});
