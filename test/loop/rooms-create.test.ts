import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeMediaProvider } from '../../src/loop/external/provider/fake.ts';
import type { TestServer } from '../helpers/server.ts';
import { CONTEXT, nowSec, pushesTo, versionOf } from './rooms/fixtures.ts';
import { assertServerAuthorization, credentialsOf, hawkFetch, register, send, startLoopServer, useLoopServer, type Capture } from '../helpers/loop.ts';

let server: TestServer;
let capture: Capture;
useLoopServer((f) => ({ server, capture } = f));

const ALERT = 'The roomName parameter has been deprecated, you should use context.';

test('§17.13 credentials derived from a minted token authenticate GET /v1/rooms: 200 [] with a verifiable Server-Authorization', async () => {
  const r = await send(server, 'POST', '/v1/registration', {});
  const creds = credentialsOf(r.res.headers.get('hawk-session-token')!);
  const list = await hawkFetch(server, creds, 'GET', '/v1/rooms');
  assert.equal(list.status, 200);
  assert.deepEqual(list.json, []);
  assertServerAuthorization(list, creds);
});

test('§17.21 the same Hawk request signed for the unprefixed /rooms succeeds there', async () => {
  const { creds } = await register(server);
  const r = await hawkFetch(server, creds, 'GET', '/rooms');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, []);
});

test('§17.19 GET /v1/rooms without Authorization is 401 WWW-Authenticate: Hawk, errno 110', async () => {
  const r = await send(server, 'GET', '/v1/rooms');
  assert.equal(r.status, 401);
  assert.equal(r.res.headers.get('www-authenticate'), 'Hawk');
  assert.equal(r.json.errno, 110);
});

test('§17.43 create without context or roomName is 400 errno 108 Missing: context,roomName; nothing at all lists every group', async () => {
  const { creds } = await register(server);
  const r = await hawkFetch(server, creds, 'POST', '/v1/rooms', { body: { roomOwner: 'A', maxSize: 2 } });
  assert.deepEqual(r.json, { code: 400, errno: 108, error: 'Missing: context,roomName' });
  const none = await hawkFetch(server, creds, 'POST', '/v1/rooms', { body: {} });
  assert.deepEqual(none.json, { code: 400, errno: 108, error: 'Missing: context,roomName, roomOwner, maxSize' });
});

test('§17.44–46 §8.2 validation messages, in order', async () => {
  const { creds } = await register(server);
  const post = async (body: Record<string, unknown>) => (await hawkFetch(server, creds, 'POST', '/v1/rooms', { body })).json;
  const base = { roomOwner: 'A', maxSize: 2 };
  assert.deepEqual(await post({ ...base, roomName: 'n', context: CONTEXT }), {
    code: 400, errno: 107, error: 'roomName has been deprecated, please store it encrypted inside the context.',
  });
  assert.deepEqual(await post({ ...base, context: { value: 'v', alg: 'a' } }), {
    code: 400, errno: 107, error: 'context should be an object containing `value`, `alg` and `wrappedKey` properties.',
  });
  assert.equal((await post({ ...base, maxSize: 6, roomName: 'n' })).error, 'maxSize cannot be greater than 5');
  assert.equal((await post({ ...base, expiresIn: 1345, roomName: 'n' })).error, 'expiresIn cannot be greater than 1344');
  assert.equal((await post({ ...base, roomName: 'x'.repeat(101) })).error, 'roomName should be shorter than 100 characters');
  assert.equal((await post({ ...base, roomName: 'x'.repeat(100), roomOwner: 'o'.repeat(256) })).error, 'roomOwner should be shorter than 255 characters');
  // Order: the roomName length is checked before context, and roomOwner before expiresIn and maxSize.
  assert.equal((await post({ ...base, roomName: 'x'.repeat(101), context: CONTEXT })).error, 'roomName should be shorter than 100 characters');
  assert.equal((await post({ roomOwner: 'o'.repeat(256), maxSize: 9, expiresIn: 'abc', context: CONTEXT })).error, 'roomOwner should be shorter than 255 characters');
  assert.equal((await post({ ...base, maxSize: 9, expiresIn: 'abc', context: CONTEXT })).error, 'expiresIn should be a valid number');
});

test('§8.2 bad inputs where the original crashed or stored nonsense are 400 errno 107', async () => {
  const { creds } = await register(server);
  const post = async (body: Record<string, unknown>) => (await hawkFetch(server, creds, 'POST', '/v1/rooms', { body })).json;
  for (const body of [
    { roomName: 42, roomOwner: 'A', maxSize: 2 },
    { context: null, roomOwner: 'A', maxSize: 2 },
    { context: CONTEXT, roomOwner: 7, maxSize: 2 },
    { context: CONTEXT, roomOwner: 'A', maxSize: 0 },
    { context: CONTEXT, roomOwner: 'A', maxSize: 'many' },
    { context: CONTEXT, roomOwner: 'A', maxSize: 2, expiresIn: 0 },
    { context: CONTEXT, roomOwner: 'A', maxSize: 2, expiresIn: -3 },
    { context: CONTEXT, roomOwner: 'A', maxSize: 2, channel: 5 },
  ]) {
    const r = await post(body);
    assert.equal(r.code, 400, JSON.stringify(body));
    assert.equal(r.errno, 107, JSON.stringify(body));
  }
  const html = await hawkFetch(server, creds, 'POST', '/v1/rooms', { body: { roomName: 'n' }, headers: { Accept: 'text/html' } });
  assert.equal(html.status, 406);
  assert.equal(html.json.errno, 106);
});

test('§17.47 a create with roomName carries the Alert header, also when it fails; one with context does not', async () => {
  const { creds } = await register(server);
  const ok = await hawkFetch(server, creds, 'POST', '/v1/rooms', { body: { roomName: 'n', roomOwner: 'A', maxSize: 2 } });
  assert.equal(ok.status, 201);
  assert.equal(ok.res.headers.get('alert'), ALERT);
  const failed = await hawkFetch(server, creds, 'POST', '/v1/rooms', { body: { roomName: 'n', roomOwner: 'A' } });
  assert.equal(failed.status, 400);
  assert.equal(failed.res.headers.get('alert'), ALERT);
  const ctx = await hawkFetch(server, creds, 'POST', '/v1/rooms', { body: { context: CONTEXT, roomOwner: 'A', maxSize: 2 } });
  assert.equal(ctx.status, 201);
  assert.equal(ctx.res.headers.get('alert'), null);
});

test('§17.48–49 a valid create is 201 with token, URL and expiresAt; the owner gets a rooms push', async () => {
  const path = `/push/create-${Date.now()}`;
  const { creds } = await register(server, { push: { rooms: `${capture.url}${path}` } });
  const before = nowSec();
  const r = await hawkFetch(server, creds, 'POST', '/v1/rooms', { body: { roomName: 'n', roomOwner: 'A', maxSize: 2, expiresIn: 5 } });
  assert.equal(r.status, 201);
  assert.equal(r.res.headers.get('timestamp'), null, '201 has no Timestamp');
  assert.deepEqual(Object.keys(r.json).sort(), ['expiresAt', 'roomToken', 'roomUrl']);
  assert.match(r.json.roomToken, /^[A-Za-z0-9_-]{11}$/);
  assert.equal(r.json.roomUrl, `${server.url}/${r.json.roomToken}`);
  assert.ok(Math.abs(r.json.expiresAt - (before + 5 * 3600)) <= 2);
  const d = await hawkFetch(server, creds, 'POST', '/v1/rooms', { body: { context: CONTEXT, roomOwner: 'A', maxSize: 2 } });
  assert.ok(Math.abs(d.json.expiresAt - (before + 1344 * 3600)) <= 2);
  const pushes = await pushesTo(capture, path, 2);
  assert.equal(pushes.length, 2);
  assert.equal(pushes[0].method, 'PUT');
  assert.equal(pushes[0].contentType, 'application/x-www-form-urlencoded');
  assert.ok(Math.abs(versionOf(pushes[0]) - before) <= 2, pushes[0].body);
});

test('§17.50–52 GET /v1/rooms/<token>: public view without auth, full view for the owner, 403 for a stranger', async () => {
  const owner = await register(server, { identity: 'owner50@example.com' });
  const named = await hawkFetch(server, owner.creds, 'POST', '/v1/rooms', { body: { roomName: 'Named', roomOwner: 'Alice', maxSize: 3 } });
  const token = named.json.roomToken;
  const pub = await send(server, 'GET', `/v1/rooms/${token}`);
  assert.equal(pub.status, 200);
  assert.deepEqual(pub.json, { roomToken: token, roomName: 'Named', context: null, roomOwner: 'Alice', roomUrl: named.json.roomUrl });
  const ctxRoom = await hawkFetch(server, owner.creds, 'POST', '/v1/rooms', { body: { context: CONTEXT, roomOwner: 'Alice', maxSize: 3 } });
  const pub2 = await send(server, 'GET', `/v1/rooms/${ctxRoom.json.roomToken}`);
  assert.deepEqual(Object.keys(pub2.json).sort(), ['context', 'roomOwner', 'roomToken', 'roomUrl']);
  assert.deepEqual(pub2.json.context, CONTEXT);

  const full = await hawkFetch(server, owner.creds, 'GET', `/v1/rooms/${token}`);
  assert.equal(full.status, 200);
  assertServerAuthorization(full, owner.creds);
  assert.deepEqual(full.json.participants, []);
  assert.equal(full.json.clientMaxSize, 3);
  assert.equal(full.json.maxSize, 3);
  assert.equal(full.json.roomName, 'Named');
  assert.equal(full.json.creationTime, full.json.ctime);
  for (const key of ['roomToken', 'roomUrl', 'context', 'roomOwner', 'creationTime', 'ctime', 'expiresAt']) assert.ok(key in full.json, key);
  // Another session of the same registered user is the owner too.
  const again = await register(server, { identity: 'owner50@example.com' });
  assert.equal((await hawkFetch(server, again.creds, 'GET', `/v1/rooms/${token}`)).status, 200);

  const stranger = await register(server, { identity: 'stranger52@example.com' });
  const denied = await hawkFetch(server, stranger.creds, 'GET', `/v1/rooms/${token}`);
  assert.deepEqual(denied.json, {
    code: 403, errno: 999, error: 'Authenticated user is neither a participant of the room nor the room owner.',
  });
  const other = await send(server, 'GET', `/v1/rooms/${token}`, undefined, { Authorization: 'Foo bar' });
  assert.equal(other.status, 401);
  assert.equal(other.json.error, 'Unsupported');
  assert.equal(other.res.headers.get('www-authenticate'), 'Basic,Hawk error="Unsupported"');
});

test('§17.53 an unknown room is 404 errno 105 even with a bad Hawk header', async () => {
  const variants: Record<string, string>[] = [{}, { Authorization: 'Hawk id="nope", ts="1", nonce="x", mac="bad"' }, { Authorization: 'Foo bar' }];
  for (const headers of variants) {
    const r = await send(server, 'GET', '/v1/rooms/AAAAAAAAAAA', undefined, headers);
    assert.deepEqual(r.json, { code: 404, errno: 105, error: 'Token not found.' });
  }
});

test('§8.4 GET /v1/rooms lists the owner\'s rooms in the full view, sorted by ctime; other users see none', async () => {
  const { creds } = await register(server);
  const a = await hawkFetch(server, creds, 'POST', '/v1/rooms', { body: { roomName: 'a', roomOwner: 'A', maxSize: 2 } });
  const b = await hawkFetch(server, creds, 'POST', '/v1/rooms', { body: { roomName: 'b', roomOwner: 'A', maxSize: 4 } });
  const list = await hawkFetch(server, creds, 'GET', '/v1/rooms');
  assert.deepEqual(list.json.map((r: { roomToken: string }) => r.roomToken).sort(), [a.json.roomToken, b.json.roomToken].sort());
  assert.ok(list.json[0].ctime <= list.json[1].ctime);
  assert.deepEqual(list.json.find((r: { roomName: string }) => r.roomName === 'b').participants, []);
  const other = await register(server);
  assert.deepEqual((await hawkFetch(server, other.creds, 'GET', '/v1/rooms')).json, []);
});

test('§17.75 a malformed JSON body on POST /v1/rooms is 400; a 200 KiB body is 413', async () => {
  const { creds } = await register(server);
  const bad = await hawkFetch(server, creds, 'POST', '/v1/rooms', { body: '{"roomName":' });
  assert.equal(bad.status, 400);
  const big = await hawkFetch(server, creds, 'POST', '/v1/rooms', { body: JSON.stringify({ roomName: 'x'.repeat(200 * 1024) }) });
  assert.equal(big.status, 413);
});

test('§8.3 a provider failure at create is 503 errno 201 with Retry-After, and nothing is stored', async () => {
  const provider = new FakeMediaProvider({ fakeApiKey: '44669102' });
  const own = await startLoopServer({}, { loopServices: { provider } });
  try {
    const { creds } = await register(own);
    provider.failNextSessions(1);
    const r = await hawkFetch(own, creds, 'POST', '/v1/rooms', { body: { roomName: 'n', roomOwner: 'A', maxSize: 2 } });
    assert.equal(r.status, 503);
    assert.deepEqual(r.json, { code: 503, errno: 201, error: 'Service Unavailable' });
    assert.equal(r.res.headers.get('retry-after'), '30');
    assert.deepEqual((await hawkFetch(own, creds, 'GET', '/v1/rooms')).json, []);
  } finally {
    await own.close();
  }
});
