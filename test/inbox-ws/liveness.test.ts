import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.ts';
import { inboxReady, post, gauge } from './ws-helpers.ts';
import { eventually } from '../helpers/eventually.ts';

// Real time: uWS runs the idle timeout and the pings itself. 8 s is uWS's
// smallest idleTimeout, so this file takes ~20 s.
let server: TestServer;
before(async () => {
  server = await startServer({ INBOX_TTL: '2' }, { inboxWs: { idleTimeoutSec: 8 } });
});
after(() => server.close());

test('idle sockets are pinged; one that misses the pongs is closed and its inbox TTL starts then', { timeout: 40_000 }, async () => {
  const live = await inboxReady(server, 'alive');
  // `ws` answers each ping with a pong; the client counts them.

  const dead = await inboxReady(server, 'dead');
  dead.pauseReading(); // reads nothing, so it never answers a ping
  const started = Date.now();

  // While the dead socket is still open its inbox outlives the 2 s TTL.
  await new Promise((r) => setTimeout(r, 2500));
  assert.equal(await post(server, 'bob', 'dead', 'x', 'text/plain'), 204);

  await eventually(async () => (await gauge(server, 'signalbox_websockets_open')) === 1, 'the dead socket to be closed', 35_000);
  const closedAfter = Date.now() - started;
  // The TTL runs from the close: the inbox is still there right after it...
  assert.equal(await post(server, 'bob', 'dead', 'y', 'text/plain'), 204);
  // uWS counts idle time in steps of 4 s (LIBUS_TIMEOUT_GRANULARITY): an idleTimeout of 8 s closes a
  // silent socket between 4 and 8 s after its last frame, later when pings are in flight.
  assert.ok(closedAfter >= 4_000, `closed after ${closedAfter} ms, before the idle timeout could have passed`);

  assert.ok(live.pings >= 1, 'the live socket was pinged');
  assert.ok(live.isOpen, 'a socket that answers pings stays open');
  assert.equal(await post(server, 'bob', 'alive', 'still', 'text/plain'), 204);
  assert.equal((await live.next()).data, 'still');

  // ...and gone one TTL later.
  await new Promise((r) => setTimeout(r, 2200));
  assert.equal(await post(server, 'bob', 'dead', 'z', 'text/plain'), 404);
  live.close();
  dead.terminate();
});
