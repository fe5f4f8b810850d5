import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestServer } from '../helpers/server.ts';
import { hawkFetch, register, send, startLoopServer } from '../helpers/loop.ts';
import { CONTEXT, createRoom, roomPost } from './rooms/fixtures.ts';

// Input caps at the edge of the Loop surface (the `limits` section): JSON
// depth of every body, room context size, participant displayName, rooms
// per owner, call URLs per user and their text fields, calls per callee.
// Small caps here; the defaults are checked where they matter.

const LIMITS = { roomsPerOwner: 5, roomContextBytes: 1000, callUrlsPerUser: 3, callUrlTextSize: 50, callsPerUser: 2, displayNameSize: 20 };

let server: TestServer;
let defaults: TestServer;
before(async () => {
  server = await startLoopServer({ limits: LIMITS });
  defaults = await startLoopServer();
});
after(async () => {
  await server.close();
  await defaults.close();
});

const nest = (n: number, leaf = '1') => '['.repeat(n) + leaf + ']'.repeat(n);

test('a room context nested 9,000 deep is refused (400 errno 107) and the owner\'s list keeps answering 200', async () => {
  const { creds } = await register(defaults);
  const body = `{"roomOwner":"A","maxSize":2,"context":{"value":${nest(9000)},"alg":"x","wrappedKey":"k"}}`;
  const r = await hawkFetch(defaults, creds, 'POST', '/v1/rooms', { body });
  assert.equal(r.status, 400, r.text);
  assert.deepEqual(r.json, { code: 400, errno: 107, error: 'Request body should not be nested more than 32 levels deep' });
  const list = await hawkFetch(defaults, creds, 'GET', '/v1/rooms');
  assert.equal(list.status, 200, list.text);
  assert.deepEqual(list.json, []);
});

test('JSON depth: 32 levels pass, 33 do not, on every Loop body (brackets inside strings do not count)', async () => {
  const { creds } = await register(defaults);
  // {"roomOwner":…,"context":{"value":[[…]]…}}: 2 object levels + the arrays.
  const at = (arrays: number) => `{"roomOwner":"A","maxSize":2,"context":{"value":${nest(arrays)},"alg":"x","wrappedKey":"k"}}`;
  assert.equal((await hawkFetch(defaults, creds, 'POST', '/v1/rooms', { body: at(30) })).status, 201);
  assert.equal((await hawkFetch(defaults, creds, 'POST', '/v1/rooms', { body: at(31) })).status, 400);
  const quoted = { roomOwner: 'A', maxSize: 2, context: { ...CONTEXT, value: '['.repeat(5000) } };
  assert.equal((await hawkFetch(defaults, creds, 'POST', '/v1/rooms', { body: quoted })).status, 201);
  // Unauthenticated endpoints too: the check runs before any handler.
  const reg = await send(defaults, 'POST', '/v1/registration', nest(40));
  assert.equal(reg.status, 400);
  assert.equal(reg.json.errno, 107);
});

test('the default context cap is the original\'s: a 90 KiB context is stored', async () => {
  const { creds } = await register(defaults);
  await createRoom(defaults, creds, { context: { ...CONTEXT, value: 'v'.repeat(90 * 1024) } });
});

test('a context larger than limits.roomContextBytes is refused with 400 errno 107, on create and update', async () => {
  const { creds } = await register(server);
  const big = { ...CONTEXT, value: 'v'.repeat(1000) };
  const r = await hawkFetch(server, creds, 'POST', '/v1/rooms', { body: { context: big, roomOwner: 'A', maxSize: 2 } });
  assert.equal(r.status, 400, r.text);
  assert.deepEqual(r.json, { code: 400, errno: 107, error: 'context should not be larger than 1000 bytes' });
  const token = await createRoom(server, creds, { context: { ...CONTEXT, value: 'v'.repeat(900) } });
  const u = await hawkFetch(server, creds, 'PATCH', `/v1/rooms/${token}`, { body: { context: big } });
  assert.equal(u.status, 400, u.text);
  assert.equal(u.json.errno, 107);
});

test('a displayName longer than limits.displayNameSize is refused at join', async () => {
  const { creds } = await register(server);
  const token = await createRoom(server, creds);
  const r = await roomPost(server, token, { action: 'join', displayName: 'x'.repeat(21), clientMaxSize: 2 });
  assert.equal(r.status, 400, r.text);
  assert.deepEqual(r.json, { code: 400, errno: 107, error: 'displayName should be shorter than 20 characters' });
  assert.equal((await roomPost(server, token, { action: 'join', displayName: 'x'.repeat(20), clientMaxSize: 2 })).status, 200);
});

test('rooms per owner stop at limits.roomsPerOwner (403 errno 999); GET /v1/rooms stays 200 and fast; a delete frees a place', async () => {
  const { creds } = await register(server);
  const tokens: string[] = [];
  for (let i = 0; i < LIMITS.roomsPerOwner; i++) tokens.push(await createRoom(server, creds));
  const over = await hawkFetch(server, creds, 'POST', '/v1/rooms', { body: { context: CONTEXT, roomOwner: 'A', maxSize: 2 } });
  assert.equal(over.status, 403, over.text);
  assert.deepEqual(over.json, { code: 403, errno: 999, error: 'Too many rooms: an owner may have at most 5.' });
  // Concurrent creates from a new owner: exactly the cap gets through.
  const other = (await register(server)).creds;
  const burst = await Promise.all(Array.from({ length: 8 }, () =>
    hawkFetch(server, other, 'POST', '/v1/rooms', { body: { context: CONTEXT, roomOwner: 'A', maxSize: 2 } })));
  assert.deepEqual(burst.map((r) => r.status).sort(), [201, 201, 201, 201, 201, 403, 403, 403]);
  const started = Date.now();
  const list = await hawkFetch(server, creds, 'GET', '/v1/rooms');
  assert.equal(list.status, 200);
  assert.equal(list.json.length, LIMITS.roomsPerOwner);
  assert.ok(Date.now() - started < 1000, 'GET /v1/rooms answers promptly');
  assert.equal((await hawkFetch(server, creds, 'DELETE', `/v1/rooms/${tokens[0]}`)).status, 204);
  await createRoom(server, creds);
});

test('call URLs per user stop at limits.callUrlsPerUser (403 errno 999); the oldest are kept, not evicted', async () => {
  const { creds } = await register(server);
  const made: string[] = [];
  for (let i = 0; i < LIMITS.callUrlsPerUser; i++) {
    const r = await hawkFetch(server, creds, 'POST', '/v1/call-url', { body: { callerId: `c${i}` } });
    assert.equal(r.status, 200, r.text);
    made.push(r.json.callToken);
  }
  const over = await hawkFetch(server, creds, 'POST', '/v1/call-url', { body: { callerId: 'more' } });
  assert.equal(over.status, 403, over.text);
  assert.deepEqual(over.json, { code: 403, errno: 999, error: 'Too many call URLs: a user may have at most 3.' });
  const list = await hawkFetch(server, creds, 'GET', '/v1/call-url');
  assert.deepEqual(list.json.map((u: { callerId: string }) => u.callerId), ['c0', 'c1', 'c2']);
  // Updating an existing one is not a new one; deleting one frees a place.
  assert.equal((await hawkFetch(server, creds, 'PUT', `/v1/call-url/${made[0]}`, { body: { callerId: 'c0' } })).status, 200);
  assert.equal((await hawkFetch(server, creds, 'DELETE', `/v1/call-url/${made[1]}`)).status, 204);
  assert.equal((await hawkFetch(server, creds, 'POST', '/v1/call-url', { body: { callerId: 'again' } })).status, 200);
});

test('call URL text fields longer than limits.callUrlTextSize are refused with 400 errno 107', async () => {
  const { creds } = await register(server);
  for (const name of ['callerId', 'issuer', 'subject']) {
    const r = await hawkFetch(server, creds, 'POST', '/v1/call-url', { body: { callerId: 'c', [name]: 'x'.repeat(51) } });
    assert.equal(r.status, 400, r.text);
    assert.deepEqual(r.json, { code: 400, errno: 107, error: `${name} should be shorter than 50 characters` });
  }
});

test('a callee\'s call list stops at limits.callsPerUser: POST /calls/{token} then answers 503 errno 201 with Retry-After', async () => {
  const { creds } = await register(server);
  const url = await hawkFetch(server, creds, 'POST', '/v1/call-url', { body: { callerId: 'c' } });
  const token = url.json.callToken;
  for (let i = 0; i < LIMITS.callsPerUser; i++) {
    const r = await send(server, 'POST', `/v1/calls/${token}`, { callType: 'audio' });
    assert.equal(r.status, 200, r.text);
  }
  const over = await send(server, 'POST', `/v1/calls/${token}`, { callType: 'audio' });
  assert.equal(over.status, 503, over.text);
  assert.deepEqual(over.json, { code: 503, errno: 201, error: 'Service Unavailable' });
  assert.equal(over.res.headers.get('retry-after'), '30');
  const calls = await hawkFetch(server, creds, 'GET', '/v1/calls?version=0');
  assert.equal(calls.json.calls.length, LIMITS.callsPerUser);
});
