import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { basic, startServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server.close());

test('Bob sends, Alice reads: body, X-From and Content-Type come through', async () => {
  const alice = basic('alice', 'pw1');
  assert.equal((await fetch(`${server.url}/inbox`, { headers: { Authorization: alice } })).status, 204);
  const sent = await fetch(`${server.url}/inbox?to=alice`, {
    method: 'POST',
    headers: { Authorization: basic('bob', 'pw2'), 'Content-Type': 'application/json' },
    body: '{"type":"offer"}',
  });
  assert.equal(sent.status, 204);
  const got = await fetch(`${server.url}/inbox`, { headers: { Authorization: alice } });
  assert.equal(got.status, 200);
  assert.equal(got.headers.get('x-from'), 'bob');
  assert.equal(got.headers.get('content-type'), 'application/json');
  assert.equal(await got.text(), '{"type":"offer"}');
});
