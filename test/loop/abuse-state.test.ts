import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeTime } from '../helpers/fake-time.ts';
import { hawkFetch, register, send, startLoopServer, type Creds } from '../helpers/loop.ts';
import { MemoryLoopStore } from '../../src/store/memory/loop.ts';
import type { SessionRecord } from '../../src/store/loop.ts';

// Security state is never evicted by a flood: Hawk nonces stay until their
// window ends (a full nonce store answers 503), and anonymous registrations
// only push out other never-used sessions. Small caps here.

test('a nonce flood that fills the nonce store: the captured request is still a replay (401), new signed requests get 503 + Retry-After', async () => {
  const server = await startLoopServer({ limits: { nonces: 20 } });
  try {
    const { creds } = await register(server);
    const first = await hawkFetch(server, creds, 'GET', '/v1/rooms');
    assert.equal(first.status, 200, first.text);
    const replay = () => hawkFetch(server, creds, 'GET', '/v1/rooms', { authorization: first.authorization });
    const refused = await replay();
    assert.equal(refused.status, 401);
    assert.match(refused.res.headers.get('www-authenticate') ?? '', /Invalid nonce/);

    let full: Awaited<ReturnType<typeof hawkFetch>> | undefined;
    for (let i = 0; i < 40 && !full; i++) { // bounded: the store holds 20
      const r = await hawkFetch(server, creds, 'GET', '/v1/rooms');
      if (r.status === 503) full = r;
      else assert.equal(r.status, 200, r.text);
    }
    assert.ok(full, 'the nonce store filled up');
    assert.deepEqual(full.json, { code: 503, errno: 201, error: 'Service unavailable' });
    assert.equal(full.res.headers.get('retry-after'), '30');
    assert.equal(full.res.headers.get('server-authorization'), null, 'a refused request is not signed');

    const again = await replay();
    assert.equal(again.status, 401, 'the old nonce was not evicted to make room');
    assert.match(again.res.headers.get('www-authenticate') ?? '', /Invalid nonce/);
  } finally {
    await server.close();
  }
});

test('nonce store: live nonces are never dropped to make room; expired ones are, and then new nonces fit again', async () => {
  const time = new FakeTime();
  const store = new MemoryLoopStore({ clock: time, limits: { sessions: 10, callUrls: 10, nonces: 3 } });
  for (const n of ['a', 'b', 'c']) assert.equal(await store.claimNonce(n, 1000), 'claimed');
  assert.equal(await store.claimNonce('d', 1000), 'full');
  assert.equal(await store.claimNonce('a', 1000), 'replay');
  time.advance(1001);
  assert.equal(await store.claimNonce('d', 1000), 'claimed');
  assert.equal(await store.claimNonce('a', 1000), 'claimed', 'its window is over');
});

const record = (id: string): SessionRecord => ({ key: `k${id}`, idHmac: id, userKey: id });

test('sessions: never-used ones have their own budget (oldest evicted); used ones are never evicted, even past their cap', async () => {
  const time = new FakeTime();
  const store = new MemoryLoopStore({ clock: time, limits: { sessions: 2, unusedSessions: 3, callUrls: 10, nonces: 10 } });
  const day = 86_400_000;
  await store.createSession('u1', record('u1'), day);
  await store.createSession('u2', record('u2'), day);
  await store.touchSession('u1', day); // used
  await store.touchSession('u2', day);
  await store.setPushUrls('u1', 'u1', { calls: 'http://push/u1' });
  for (let i = 0; i < 10; i++) await store.createSession(`f${i}`, record(`f${i}`), day);
  assert.ok(await store.getSession('u1'));
  assert.ok(await store.getSession('u2'));
  assert.deepEqual(await store.pushUrls('u1', 'calls'), ['http://push/u1']);
  assert.equal(await store.getSession('f0'), undefined, 'the oldest never-used session went');
  assert.ok(await store.getSession('f9'));
  // The used cap is full: f9 authenticates but stays never-used; nobody used is pushed out.
  await store.touchSession('f9', day);
  assert.ok(await store.getSession('u1'));
  assert.ok(await store.getSession('u2'));
  assert.ok(await store.getSession('f9'));
  assert.deepEqual(await store.stats(), { sessions: 5, unusedSessions: 3, callUrls: 0 });
});

test('a registration flood past limits.unusedSessions does not evict a session in use', async () => {
  const server = await startLoopServer({ limits: { unusedSessions: 5 } });
  try {
    const user = await register(server);
    assert.equal((await hawkFetch(server, user.creds, 'GET', '/v1/rooms')).status, 200); // now in use
    const flood: Creds[] = [];
    for (let i = 0; i < 50; i++) flood.push((await register(server)).creds); // bounded
    const r = await hawkFetch(server, user.creds, 'GET', '/v1/rooms');
    assert.equal(r.status, 200, r.text);
    // Only never-used sessions were pushed out: the first of the flood, not the last.
    const oldest = await hawkFetch(server, flood[0], 'GET', '/v1/rooms');
    assert.equal(oldest.status, 401);
    assert.match(oldest.res.headers.get('www-authenticate') ?? '', /Unknown credentials/);
    assert.equal((await hawkFetch(server, flood[49], 'GET', '/v1/rooms')).status, 200);
    // Registration itself keeps working.
    assert.equal((await send(server, 'POST', '/v1/registration', {})).status, 200);
  } finally {
    await server.close();
  }
});
