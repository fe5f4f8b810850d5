import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.ts';
import { inboxReady, post, gauge } from './ws-helpers.ts';
import { eventually } from '../helpers/eventually.ts';

let server: TestServer;
before(async () => {
  server = await startServer({ INBOX_CAPACITY: '400' });
});
after(() => server.close());

const COUNT = 300;
const SIZE = 60_000;

test('a socket that stops reading: messages stay queued, then all arrive in order when it reads again', async () => {
  const s = await inboxReady(server, 'slow-reader');
  s.pauseReading(); // the client stops reading: kernel buffers fill, then uWS's buffer, then the server must hold back

  for (let i = 0; i < COUNT; i++) {
    const body = `${String(i).padStart(4, '0')}:${'x'.repeat(SIZE)}`;
    assert.equal(await post(server, 'fast-sender', 'slow-reader', body, 'text/plain'), 204);
  }
  // Everything is accepted; what the socket could not take is still in the queue.
  const queued = await gauge(server, 'signalbox_messages_queued');
  assert.ok(queued > 0, `expected messages held back in the queue, found ${queued}`);
  assert.ok(queued < COUNT, 'some messages went out before the buffers filled');

  s.resumeReading();
  const got: number[] = [];
  while (got.length < COUNT) {
    const frame = await s.next(10_000);
    assert.equal(frame.type, 'message');
    const data = frame.data as string;
    assert.equal(data.length, SIZE + 5);
    got.push(Number(data.slice(0, 4)));
  }
  assert.deepEqual(got, Array.from({ length: COUNT }, (_, i) => i), 'none lost, none repeated, FIFO');
  await eventually(async () => (await gauge(server, 'signalbox_messages_queued')) === 0);
  s.close();
});
