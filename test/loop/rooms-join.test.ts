import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestServer } from '../helpers/server.ts';
import { hawkFetch, register, useLoopServer } from '../helpers/loop.ts';
import { basicOf, createRoom, nowSec, pushPath, pushesTo, roomGet, roomPost, versionOf, roomAct, roomJoin, type Capture } from './rooms/fixtures.ts';

let server: TestServer;
let capture: Capture;
useLoopServer((f) => ({ server, capture } = f));


test('§17.54 a missing action is 400 errno 108, an unknown one 400 errno 107, same message', async () => {
  const { creds } = await register(server);
  const token = await createRoom(server, creds);
  const message = 'action should be one of join, refresh, status, leave, logDomain';
  assert.deepEqual((await roomPost(server, token, {})).json, { code: 400, errno: 108, error: message });
  assert.deepEqual((await roomPost(server, token, { action: 'dance' })).json, { code: 400, errno: 107, error: message });
  assert.deepEqual((await roomAct(server, creds, token, { action: 42 })).json, { code: 400, errno: 107, error: message });
  assert.deepEqual((await roomPost(server, 'AAAAAAAAAAA', { action: 'join' })).json, { code: 404, errno: 105, error: 'Token not found.' });
});

test('§17.55 an action other than join without credentials is 401 WWW-Authenticate: Token,Hawk; another scheme is Unsupported', async () => {
  const { creds } = await register(server);
  const token = await createRoom(server, creds);
  for (const action of ['refresh', 'leave', 'status', 'logDomain']) {
    const r = await roomPost(server, token, { action });
    assert.equal(r.status, 401, action);
    assert.equal(r.res.headers.get('www-authenticate'), 'Token,Hawk');
    assert.deepEqual(r.json, { code: 401, errno: 110, error: 'Unauthorized' });
  }
  const other = await roomPost(server, token, { action: 'join' }, 'Bearer x');
  assert.equal(other.res.headers.get('www-authenticate'), 'Basic,Hawk error="Unsupported"');
});

test('§17.56 join without clientMaxSize, or with a non-number, is 400', async () => {
  const { creds } = await register(server);
  const token = await createRoom(server, creds);
  assert.deepEqual((await roomAct(server, creds, token, { action: 'join', displayName: 'A' })).json, { code: 400, errno: 108, error: 'Missing: clientMaxSize' });
  assert.deepEqual((await roomAct(server, creds, token, { action: 'join' })).json, { code: 400, errno: 108, error: 'Missing: displayName, clientMaxSize' });
  assert.deepEqual((await roomJoin(server, creds, token, 'abc')).json, { code: 400, errno: 107, error: 'clientMaxSize should be a number.' });
  assert.equal((await roomAct(server, creds, token, { action: 'join', displayName: 7, clientMaxSize: 2 })).json.errno, 107);
  const html = await roomAct(server, creds, token, { action: 'join', displayName: 'A', clientMaxSize: 2 }, { Accept: 'text/html' });
  assert.equal(html.status, 406);
});

test('§17.57–58 an unauthenticated join gets a provider token that works as Basic for that room only', async () => {
  const owner = await register(server);
  const token = await createRoom(server, owner.creds);
  const other = await createRoom(server, owner.creds);
  const r = await roomPost(server, token, { action: 'join', displayName: 'Guest', clientMaxSize: '4' });
  assert.equal(r.status, 200);
  assert.deepEqual(Object.keys(r.json).sort(), ['apiKey', 'expires', 'sessionId', 'sessionToken']);
  assert.equal(r.json.expires, 300);
  const basic = basicOf(r.json.sessionToken);
  const full = await roomGet(server, token, basic);
  assert.equal(full.status, 200);
  assert.equal(full.res.headers.get('server-authorization'), null);
  assert.equal(full.json.participants.length, 1);
  const [p] = full.json.participants;
  assert.deepEqual(Object.keys(p).sort(), ['displayName', 'owner', 'roomConnectionId']);
  assert.equal(p.displayName, 'Guest');
  assert.equal(p.owner, false);
  assert.equal(full.json.clientMaxSize, 4);

  const elsewhere = await roomGet(server, other, basic);
  assert.equal(elsewhere.status, 401);
  assert.equal(elsewhere.res.headers.get('www-authenticate'), 'Basic error="Invalid token; it may have expired."');
  assert.deepEqual(elsewhere.json, { code: 401, errno: 110, error: 'Invalid token; it may have expired.' });
  // §3.10: a password after the colon makes the credential wrong; a header of three parts is malformed.
  assert.equal((await roomGet(server, token, basicOf(r.json.sessionToken, 'pw'))).status, 401);
  const malformed = await roomGet(server, token, `${basic} extra`);
  assert.equal(malformed.res.headers.get('www-authenticate'), 'Basic');
  assert.deepEqual(malformed.json, { code: 401, errno: 110, error: 'Unauthorized' });
  // The Basic participant can refresh; a rejoin with Basic keeps its credential.
  assert.deepEqual((await roomPost(server, token, { action: 'refresh' }, basic)).json, { expires: 300 });
  const rejoin = await roomPost(server, token, { action: 'join', displayName: 'Guest2', clientMaxSize: 4 }, basic);
  assert.equal(rejoin.status, 200);
  assert.notEqual(rejoin.json.sessionToken, r.json.sessionToken);
  const after = await roomGet(server, token, basic);
  assert.deepEqual(after.json.participants.map((x: { displayName: string }) => x.displayName), ['Guest2']);
  assert.notEqual(after.json.participants[0].roomConnectionId, p.roomConnectionId, 'a rejoin gets a new id');
  assert.equal((await roomGet(server, token, basicOf(rejoin.json.sessionToken))).status, 401, 'only the first token is a credential');
});

test('§17.59 participants in the full view: account for registered joiners, owner flag, 36-char ids', async () => {
  const owner = await register(server, { identity: 'owner59@example.com' });
  const token = await createRoom(server, owner.creds, { maxSize: 4 });
  const guest = await register(server, { identity: 'guest59@example.com' });
  assert.equal((await roomJoin(server, guest.creds, token, 4, 'Guest')).status, 200);
  const moderator = await roomJoin(server, owner.creds, token, 4, 'Owner');
  assert.equal(moderator.status, 200);
  const role = (t: string) => /role=(\w+)/.exec(Buffer.from(t.slice(4), 'base64').toString())?.[1];
  assert.equal(role(moderator.json.sessionToken), 'moderator');
  const full = await hawkFetch(server, guest.creds, 'GET', `/v1/rooms/${token}`);
  assert.equal(full.status, 200, 'a participant sees the full view');
  const byName = Object.fromEntries(full.json.participants.map((p: { displayName: string }) => [p.displayName, p]));
  assert.equal(byName.Guest.account, 'guest59@example.com');
  assert.equal(byName.Guest.owner, false);
  assert.match(byName.Guest.roomConnectionId, /^[0-9a-f-]{36}$/);
  assert.equal(byName.Owner.owner, true);
  assert.equal(byName.Owner.account, 'owner59@example.com');
  for (const p of full.json.participants) assert.deepEqual(Object.keys(p).sort(), ['account', 'displayName', 'owner', 'roomConnectionId']);
  const anon = await register(server);
  const anonJoin = await roomJoin(server, anon.creds, token, 4, 'Anon');
  assert.equal(role(anonJoin.json.sessionToken), 'publisher');
  const view = await hawkFetch(server, owner.creds, 'GET', `/v1/rooms/${token}`);
  assert.equal(view.json.participants.find((p: { displayName: string }) => p.displayName === 'Anon').account, undefined);
});

test('§17.60 maxSize 2: one stranger in, a second is refused as full, the owner still gets in', async () => {
  const owner = await register(server);
  const token = await createRoom(server, owner.creds, { maxSize: 2 });
  const a = await register(server);
  const b = await register(server);
  assert.equal((await roomJoin(server, a.creds, token, 2)).status, 200);
  assert.deepEqual((await roomJoin(server, b.creds, token, 2)).json, { code: 400, errno: 202, error: 'The room is full.' });
  assert.deepEqual((await roomPost(server, token, { action: 'join', displayName: 'x', clientMaxSize: 2 })).json.errno, 202);
  assert.equal((await roomJoin(server, owner.creds, token, 2)).status, 200);
  assert.equal((await roomJoin(server, b.creds, token, 2)).json.errno, 202, 'past maxSize with the owner in');
  assert.equal((await roomJoin(server, a.creds, token, 2)).status, 200, 'a participant rejoining with Hawk does not count against itself');
});

test('§17.61 a joiner whose clientMaxSize cannot hold the room is refused with errno 121', async () => {
  const owner = await register(server);
  const token = await createRoom(server, owner.creds, { maxSize: 3 });
  assert.equal((await roomJoin(server, owner.creds, token, 5)).status, 200);
  const other = await register(server);
  assert.deepEqual((await roomJoin(server, other.creds, token, 1)).json, {
    code: 400, errno: 121, error: 'Too many participants in the room for you to handle.',
  });
  assert.equal((await roomJoin(server, other.creds, token, 2)).status, 200);
});

test('§17.62 a join pushes the owner and moves ctime and expiresAt', async () => {
  const path = pushPath('join');
  const owner = await register(server, { push: { rooms: `${capture.url}${path}` } });
  const token = await createRoom(server, owner.creds, { expiresIn: 1 });
  const start = nowSec();
  const guest = await register(server);
  assert.equal((await roomJoin(server, guest.creds, token)).status, 200);
  const pushes = await pushesTo(capture, path, 2);
  assert.equal(pushes.length, 2);
  const full = (await hawkFetch(server, owner.creds, 'GET', `/v1/rooms/${token}`)).json;
  assert.ok(full.ctime >= start);
  assert.ok(full.expiresAt >= start + 1344 * 3600, 'a join stretches the room to extendTTL');
  assert.equal(versionOf(pushes[1]), full.ctime);
});

