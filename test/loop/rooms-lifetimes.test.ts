import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FakeTime } from '../helpers/fake-time.ts';
import { hawkFetch, pushCapture, register, startLoopServer } from '../helpers/loop.ts';
import { basicOf, createRoom, pushPath, pushesTo, roomGet, roomPost, versionOf, type Capture } from './rooms/fixtures.ts';

const HOUR_MS = 3_600_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let capture: Capture;
before(async () => {
  capture = await pushCapture();
});
after(async () => {
  await capture.close();
});

test('§17.68 (short timers) a participant that stops refreshing disappears after participantTTL, and the owner is pushed', async () => {
  const short = await startLoopServer({ rooms: { participantTTL: 1 } });
  try {
    const path = pushPath('expiry');
    const owner = await register(short, { push: { rooms: `${capture.url}${path}` } });
    const token = await createRoom(short, owner.creds);
    const guest = await register(short);
    const joined = await hawkFetch(short, guest.creds, 'POST', `/v1/rooms/${token}`, { body: { action: 'join', displayName: 'G', clientMaxSize: 5 } });
    assert.equal(joined.json.expires, 1);
    const anon = await roomPost(short, token, { action: 'join', displayName: 'Anon', clientMaxSize: 5 });
    const basic = basicOf(anon.json.sessionToken);
    await sleep(600);
    // The Basic participant keeps refreshing; the Hawk one does not.
    assert.deepEqual((await roomPost(short, token, { action: 'refresh' }, basic)).json, { expires: 1 });
    const before = await hawkFetch(short, owner.creds, 'GET', `/v1/rooms/${token}`);
    assert.equal(before.json.participants.length, 2);
    const pushesBefore = (await pushesTo(capture, path, 3)).length;
    assert.equal(pushesBefore, 3, 'create and two joins');
    // Keep the Basic participant alive until ~2 s after the joins: well past the Hawk one's 1 s + the ≤ 0.5 s sweep delay.
    for (let i = 0; i < 5; i++) {
      await sleep(300);
      assert.equal((await roomPost(short, token, { action: 'refresh' }, basic)).status, 200);
    }
    const view = await hawkFetch(short, owner.creds, 'GET', `/v1/rooms/${token}`);
    assert.deepEqual(view.json.participants.map((p: { displayName: string }) => p.displayName), ['Anon']);
    const pushes = await pushesTo(capture, path, 4);
    assert.equal(pushes.length, 4, 'the expiry pushed the owner');
    assert.ok(view.json.ctime >= before.json.ctime);
    assert.equal(versionOf(pushes[3]), view.json.ctime, 'the push carries the touched ctime');
    // §8.10 refresh after expiry: 410 for Hawk; the expired Basic credential is 401.
    const late = await hawkFetch(short, guest.creds, 'POST', `/v1/rooms/${token}`, { body: { action: 'refresh' } });
    assert.deepEqual(late.json, { code: 410, errno: 111, error: 'Participation has expired.' });
    await sleep(1700);
    assert.equal((await roomPost(short, token, { action: 'refresh' }, basic)).status, 401);
    assert.equal((await roomGet(short, token, basic)).status, 401);
    assert.deepEqual((await hawkFetch(short, owner.creds, 'GET', `/v1/rooms/${token}`)).json.participants, []);
    assert.equal((await pushesTo(capture, path, 5)).length, 5, 'one more push for the Basic participant');
  } finally {
    await short.close();
  }
});

test('§8.12 a room vanishes at expiresAt: 404 everywhere, silently absent from GET /rooms, never reported deleted', async () => {
  const time = new FakeTime();
  const server = await startLoopServer({}, { clock: time });
  try {
    const { creds } = await register(server);
    const token = await createRoom(server, creds, { expiresIn: 1 });
    const stays = await createRoom(server, creds);
    time.advance(HOUR_MS - 5000);
    assert.equal((await roomGet(server, token)).status, 200);
    time.advance(10_000);
    assert.equal((await roomGet(server, token)).status, 404);
    assert.equal((await roomPost(server, token, { action: 'join', displayName: 'x', clientMaxSize: 2 })).status, 404);
    assert.equal((await hawkFetch(server, creds, 'PATCH', `/v1/rooms/${token}`, { body: {} })).status, 404);
    for (const q of ['', '?version=1']) {
      const list = await hawkFetch(server, creds, 'GET', `/v1/rooms${q}`);
      assert.deepEqual(list.json.map((r: { roomToken: string }) => r.roomToken), [stays]);
    }
  } finally {
    await server.close();
  }
});

test('§8.12 a join stretches a 1-hour room to extendTTL; a PATCH sets it back from expiresIn', async () => {
  const time = new FakeTime();
  const server = await startLoopServer({}, { clock: time });
  try {
    const { creds } = await register(server);
    const token = await createRoom(server, creds, { expiresIn: 1 });
    const anon = await roomPost(server, token, { action: 'join', displayName: 'x', clientMaxSize: 5 });
    assert.equal(anon.status, 200);
    time.advance(2 * HOUR_MS);
    assert.equal((await roomGet(server, token)).status, 200, 'alive past its hour');
    await hawkFetch(server, creds, 'PATCH', `/v1/rooms/${token}`, { body: { expiresIn: 1 } });
    time.advance(HOUR_MS + 5000);
    assert.equal((await roomGet(server, token)).status, 404);
  } finally {
    await server.close();
  }
});

test('§8.4 deleted-room notices live deletedTTL (27 min)', async () => {
  const time = new FakeTime();
  const server = await startLoopServer({}, { clock: time });
  try {
    const { creds } = await register(server);
    const token = await createRoom(server, creds);
    await hawkFetch(server, creds, 'DELETE', `/v1/rooms/${token}`);
    time.advance(26 * 60_000);
    assert.deepEqual((await hawkFetch(server, creds, 'GET', '/v1/rooms?version=1')).json, [{ roomToken: token, deleted: true }]);
    time.advance(2 * 60_000);
    assert.deepEqual((await hawkFetch(server, creds, 'GET', '/v1/rooms?version=1')).json, []);
  } finally {
    await server.close();
  }
});
