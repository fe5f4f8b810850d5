import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { TurnSettings } from '../../src/turn/credentials.ts';
import { FakeTime } from '../helpers/fake-time.ts';
import { basic, startServer, type TestServer } from '../helpers/server.ts';

const TURN: TurnSettings = { secret: 'test-secret', urls: ['turn:127.0.0.1:3478?transport=udp', 'turns:127.0.0.1:5349'], ttlSec: 3600 };
const rawBasic = (userPass: string) => 'Basic ' + Buffer.from(userPass).toString('base64');

async function errorOf(res: Response): Promise<string> {
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  const body = (await res.json()) as { code: number; error: string };
  assert.equal(body.code, res.status);
  return body.error;
}

describe('GET /turn-credentials without a TURN secret', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({}, { turn: null });
  });
  after(() => server.close());

  test('is 404, with or without credentials', async () => {
    for (const headers of [{}, { Authorization: basic('alice', 'pw1') }] as Record<string, string>[]) {
      const res = await fetch(`${server.url}/turn-credentials`, { headers });
      assert.equal(res.status, 404);
      assert.equal(await errorOf(res), 'not_found');
    }
  });
});

describe('GET /turn-credentials with a TURN secret', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({}, { turn: TURN });
  });
  after(() => server.close());
  const get = (authorization?: string) =>
    fetch(`${server.url}/turn-credentials`, { headers: authorization ? { Authorization: authorization } : {} });

  test('200: coturn REST credentials for the owner, valid for the TTL, not cached', async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await get(basic('alice', 'pw1'));
    const after = Math.floor(Date.now() / 1000);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    const body = (await res.json()) as { username: string; password: string; ttl: number; urls: string[] };
    const m = /^(\d+):alice$/.exec(body.username);
    assert.ok(m, body.username);
    const expiry = Number(m[1]);
    assert.ok(expiry >= before + 3600 && expiry <= after + 3600, `expiry ${expiry}`);
    assert.equal(body.password, createHmac('sha1', 'test-secret').update(body.username).digest('base64'));
    assert.equal(body.ttl, 3600);
    assert.deepEqual(body.urls, TURN.urls);
  });

  test('401 without usable Basic credentials, with the Basic challenge', async () => {
    for (const auth of [undefined, 'Bearer abc', 'Basic %%%', rawBasic('no-colon')]) {
      const res = await get(auth);
      assert.equal(res.status, 401, String(auth));
      assert.match(res.headers.get('www-authenticate') ?? '', /^Basic realm="inbox"/);
      assert.equal(await errorOf(res), 'missing_credentials');
    }
  });

  test('400 for a username or password outside the inbox rules', async () => {
    let res = await get(rawBasic('has space:pw'));
    assert.equal(res.status, 400);
    assert.equal(await errorOf(res), 'invalid_username');
    res = await get(rawBasic('dave:'));
    assert.equal(res.status, 400);
    assert.equal(await errorOf(res), 'invalid_password');
  });

  test('401 for the wrong password of an existing inbox', async () => {
    assert.equal((await fetch(`${server.url}/inbox`, { headers: { Authorization: basic('erin', 'right') } })).status, 204);
    const res = await get(basic('erin', 'wrong'));
    assert.equal(res.status, 401);
    assert.equal(await errorOf(res), 'wrong_password');
    assert.equal((await get(basic('erin', 'right'))).status, 200);
  });

  test('asking creates the inbox with that password, like a first send (the caller now owns the name)', async () => {
    assert.equal((await get(basic('carol', 'pw-c'))).status, 200);
    const post = await fetch(`${server.url}/inbox?to=carol`, { method: 'POST', headers: { Authorization: basic('bob', 'pw-b') }, body: 'hi' });
    assert.equal(post.status, 204);
    assert.equal((await get(basic('carol', 'other'))).status, 401);
    const read = await fetch(`${server.url}/inbox`, { headers: { Authorization: basic('carol', 'pw-c') } });
    assert.equal(read.status, 200);
    assert.equal(await read.text(), 'hi');
  });

  test('OPTIONS is a CORS preflight; other methods are 405 with Allow', async () => {
    const pre = await fetch(`${server.url}/turn-credentials`, { method: 'OPTIONS', headers: { Origin: 'http://app.example' } });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-methods'), 'GET, OPTIONS');
    assert.equal(pre.headers.get('access-control-allow-headers'), 'Authorization');
    const post = await fetch(`${server.url}/turn-credentials`, { method: 'POST', headers: { Authorization: basic('alice', 'pw1') } });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, OPTIONS');
    assert.equal(await errorOf(post), 'method_not_allowed');
  });
});

describe('GET /turn-credentials and the inbox TTL', () => {
  let server: TestServer;
  const time = new FakeTime();
  before(async () => {
    server = await startServer({ INBOX_TTL: '1' }, { turn: TURN, clock: time, timers: time });
  });
  after(() => server.close());
  const inbox = (user: string) => fetch(`${server.url}/inbox`, { headers: { Authorization: basic(user, 'pw') } });
  const sendTo = (user: string) =>
    fetch(`${server.url}/inbox?to=${user}`, { method: 'POST', headers: { Authorization: basic('sender', 'pw') }, body: 'x' });

  test('does not extend the inbox lifetime (a read does: the control case)', async () => {
    assert.equal((await inbox('ttl-turn')).status, 204);
    assert.equal((await inbox('ttl-read')).status, 204);
    time.advance(800);
    assert.equal((await fetch(`${server.url}/turn-credentials`, { headers: { Authorization: basic('ttl-turn', 'pw') } })).status, 200);
    assert.equal((await inbox('ttl-read')).status, 204);
    time.advance(400);
    assert.equal((await sendTo('ttl-turn')).status, 404, 'TURN request must not have extended the TTL');
    assert.equal((await sendTo('ttl-read')).status, 204, 'a read extends the TTL');
  });
});
