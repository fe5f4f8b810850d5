import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hawkFetch, register, send, startLoopServer, type Creds } from '../helpers/loop.ts';

// Security state is never evicted by a flood: Hawk nonces stay until their
// window ends (a full nonce store answers 503), and anonymous registrations
// only push out other never-used sessions. Small caps here; the store-level
// rules themselves are cases of test/store/loop-store-contract.ts.

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
