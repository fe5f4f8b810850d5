import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FakeTime } from '../helpers/fake-time.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { inboxReady, openInbox, post, gauge } from './ws-helpers.ts';
import { eventually } from '../helpers/eventually.ts';

let server: TestServer;
let time: FakeTime;
before(async () => {
  time = new FakeTime();
  server = await startServer({ INBOX_TTL: '60' }, { clock: time, timers: time });
});
after(() => server.close());

test('the inbox lives while its socket is open, and expires inboxTtl after the socket closes', async () => {
  const s = await inboxReady(server, 'ttl-owner');
  time.advance(10 * 60_000); // ten TTLs with the socket open
  assert.equal(await post(server, 'bob', 'ttl-owner', 'still here', 'text/plain'), 204);
  assert.equal((await s.next()).data, 'still here');

  s.close();
  await s.closed;
  await eventually(async () => (await gauge(server, 'signalbox_websockets_open')) === 0);
  time.advance(59_000);
  assert.equal(await post(server, 'bob', 'ttl-owner', 'queued', 'text/plain'), 204, 'alive 59 s after the close');
  time.advance(1_000);
  assert.equal(await post(server, 'bob', 'ttl-owner', 'too late', 'text/plain'), 404, 'gone 60 s after the close');

  // The name is free again: another password creates a new, empty inbox.
  const again = await inboxReady(server, 'ttl-owner', 'another password');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(again.frames.length, 1, 'only "ready": the old queue went with the old inbox');
  again.close();
});

test('a socket that fails auth leaves no reader behind: the new inbox expires on time', async () => {
  await (await inboxReady(server, 'ttl-other', 'pw')).close();
  const s = await openInbox(server);
  s.send({ type: 'auth', username: 'ttl-other', password: 'wrong' });
  assert.equal((await s.closed).code, 4401);
  time.advance(60_000);
  assert.equal(await post(server, 'bob', 'ttl-other', 'x', 'text/plain'), 404);
});
