import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.ts';
import { inboxReady, openInbox, gauge } from './ws-helpers.ts';
import { eventually } from '../helpers/eventually.ts';

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server.close());

test('a text frame of invalid UTF-8: uWS fails the connection before signalbox sees it (1006, no error frame); the reader is released', async () => {
  for (const authenticated of [false, true]) {
    const s = authenticated ? await inboxReady(server, 'utf8-victim') : await openInbox(server);
    s.sendText(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])); // "{", two bytes never valid in UTF-8, "}"
    const { code } = await s.closed;
    assert.equal(code, 1006, 'closed without a close frame');
    assert.deepEqual(s.frames, authenticated ? [{ type: 'ready' }] : []);
  }
  await eventually(async () => (await gauge(server, 'signalbox_websockets_open')) === 0);
  await eventually(async () => (await gauge(server, 'signalbox_long_polls_waiting')) === 0);
});

test('a socket that sends and never reads its answers gets an error frame and close 1008, not 1006', async () => {
  const s = await inboxReady(server, 'deaf-sender');
  s.pauseReading(); // the client stops reading: its answers pile up in the kernel, then in uWS
  // Each send is answered by a ~700-byte error frame (no such inbox, long name and id).
  const frame = JSON.stringify({ type: 'send', id: 'i'.repeat(256), to: 'n'.repeat(256), data: 'x' });
  const BATCH = 500;
  const MAX_FRAMES = 60_000; // ~40 MB of answers: far past any kernel buffer; bounded
  let sent = 0;
  const closedOnServer = async () => (await gauge(server, 'signalbox_websockets_open')) === 0;
  while (sent < MAX_FRAMES && !(await closedOnServer())) {
    for (let i = 1; i < BATCH; i++) s.send(frame);
    await s.send(frame); // the batch is written out
    sent += BATCH;
  }
  await eventually(closedOnServer, 'the server to close the socket', 5000);
  s.resumeReading();
  const { code } = await s.closed;
  const last = s.frames.at(-1)!;
  assert.equal(code, 1008, `after ${sent} frames, ${s.frames.length} read`);
  assert.equal(last.type, 'error');
  assert.equal(last.code, 503);
  assert.equal(last.error, 'backpressure');
});
