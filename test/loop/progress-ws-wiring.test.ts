import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createServer, type AddressInfo } from 'node:net';
import type { TestServer } from '../helpers/server.ts';
import { pushCapture, startLoopServer } from '../helpers/loop.ts';
import {
  openProgress, progressHello, progress, helloReply, placeCall, alerting, type Capture,
} from './progress-ws-helpers.ts';

// The wiring around the socket: a configured endpoint and the progressURL
// pointing at it (§7.5, §15), the websockets gauge, and shutdown (1001).

let capture: Capture;
before(async () => {
  capture = await pushCapture();
});
after(async () => {
  await capture.close();
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
    probe.once('error', reject);
  });
}

async function websocketsGauge(server: TestServer): Promise<number> {
  const text = await (await fetch(`${server.url}/__metrics__`)).text();
  const line = text.split('\n').find((l) => l.startsWith('signalbox_websockets_open '));
  assert.ok(line, 'the gauge is exported');
  return Number(line.split(' ')[1]);
}

test('§7.5/§15 progressURLEndpoint moves the socket, and progressURL (caller and callee views) points at it', async () => {
  const server = await startLoopServer({ progressURLEndpoint: '/progress', publicServerAddress: 'example.test:8080' });
  try {
    const call = await placeCall(server, capture);
    assert.equal(call.calleeView.progressURL, 'ws://example.test:8080/progress');
    assert.equal(call.callerView.progressURL, 'ws://example.test:8080/progress');
    const caller = await progressHello(server, call.callId, call.callerToken, '/progress');
    await caller.expect(helloReply('init'));
    await assert.rejects(openProgress(server, '/websocket'), /Unexpected server response/);
    caller.close();
  } finally {
    await server.close();
  }
});

test('§7.5 with protocol https the progressURL is wss://<host>:443<endpoint>', async () => {
  // With https, Hawk checks MACs against port 443 unless hawk.port says otherwise: our client
  // signs for the real port, so the server gets a port chosen beforehand.
  const port = await freePort();
  const server = await startLoopServer(
    { protocol: 'https', publicServerAddress: 'loop.example.test:8443', hawk: { port } }, {}, { PORT: String(port) },
  );
  try {
    const call = await placeCall(server, capture);
    assert.equal(call.calleeView.progressURL, 'wss://loop.example.test:443/websocket');
    assert.equal(call.callerView.progressURL, 'wss://loop.example.test:443/websocket');
  } finally {
    await server.close();
  }
});

test('the websockets gauge counts call-progress sockets; shutdown closes them with 1001 and refuses new ones', async () => {
  const server = await startLoopServer();
  const before = await websocketsGauge(server);
  const call = await placeCall(server, capture);
  const { caller, callee } = await alerting(server, call);
  const idle = await openProgress(server); // no hello yet
  assert.equal(await websocketsGauge(server), before + 3);
  callee.close();
  await callee.closed;
  await caller.expect(progress('terminated', 'closed'));
  await caller.expectClosedByServer();
  const deadline = Date.now() + 2000;
  while ((await websocketsGauge(server)) !== before + 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.equal(await websocketsGauge(server), before + 1);

  await server.close();
  const closed = await idle.waitForClose('shutdown closes the socket');
  assert.equal(closed.code, 1001);
  await assert.rejects(openProgress(server));
});
