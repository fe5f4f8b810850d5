import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestServer } from '../helpers/server.ts';
import { pushCapture, startLoopServer } from '../helpers/loop.ts';
import {
  openProgress, progressHello, action, expectError, progress, helloReply, pause, placeCall, alerting, type Capture,
} from './progress-ws-helpers.ts';

// Bad inputs on the call-progress WebSocket (§12.1, §12.2, §12.6, §12.10):
// every one gets its error frame and a close; nothing already stored is lost.

const MAX_FRAME = 64 * 1024;

let server: TestServer;
let capture: Capture;
before(async () => {
  server = await startLoopServer();
  capture = await pushCapture();
});
after(async () => {
  await server.close();
  await capture.close();
});

async function errorFor(frame: string | Record<string, unknown>, reason: string): Promise<void> {
  const ws = await openProgress(server);
  ws.send(frame);
  await expectError(ws, reason);
}

test('§12.10 an unknown or absent messageType, and JSON that is not an object, get "Unknown messageType"', async () => {
  for (const frame of ['{"messageType":"ring"}', '{"echo":1}', '{"messageType":5}', '5', '[]', 'null', '"hello"', '{"messageType":"__proto__"}']) {
    await errorFor(frame, 'Unknown messageType');
  }
});

test('§12.10 truncated JSON and an empty frame are "Malformed message."', async () => {
  await errorFor('{"messageType":"echo"', 'Malformed message.');
  await errorFor('', 'Malformed message.');
});

test('§12.6 an action before hello gets "callId should not be undefined" (accept, media-up and terminate alike)', async () => {
  for (const [event, reason] of [['accept'], ['media-up'], ['terminate', 'busy'], ['terminate']] as const) {
    const ws = await openProgress(server);
    action(ws, event, reason);
    await expectError(ws, 'callId should not be undefined');
  }
});

test('§12.6 an action without event is "Missing parameters: event"; a non-string event is named in the error', async () => {
  const call = await placeCall(server, capture);
  const { caller, callee } = await alerting(server, call);
  callee.send({ messageType: 'action' });
  await expectError(callee, 'Missing parameters: event');
  await caller.expect(progress('terminated', 'closed'));
  await caller.expectClosedByServer();

  const other = await placeCall(server, capture);
  const pair = await alerting(server, other);
  pair.caller.send({ messageType: 'action', event: 42 });
  await expectError(pair.caller, '42 state is invalid. Should be one of: accept, media-up, terminate');
});

test('§12.3 wrong tokens: a non-string callId or auth, the token of another call, an empty token', async () => {
  const one = await placeCall(server, capture);
  const two = await placeCall(server, capture);
  const numericId = await openProgress(server);
  numericId.send({ messageType: 'hello', callId: 12, auth: one.callerToken });
  await expectError(numericId, 'bad callId');
  const numericAuth = await openProgress(server);
  numericAuth.send({ messageType: 'hello', callId: one.callId, auth: 12 });
  await expectError(numericAuth, 'bad authentication');
  const crossed = await progressHello(server, one.callId, two.calleeToken);
  await expectError(crossed, 'bad authentication');
  const empty = await progressHello(server, one.callId, '');
  await expectError(empty, 'bad authentication');
  // The tokens really are per role: one call's tokens still work where they belong.
  await alerting(server, one);
});

test('§12.1 a frame over 64 KiB closes the socket with 1009 and no reply; a frame of exactly 64 KiB is handled', async () => {
  const overhead = '{"messageType":"echo","echo":""}'.length;
  const pad = (total: number) => `{"messageType":"echo","echo":"${'x'.repeat(total - overhead)}"}`;
  const exact = pad(MAX_FRAME);
  assert.equal(Buffer.byteLength(exact), MAX_FRAME);
  const fits = await openProgress(server);
  fits.send(exact);
  const echoed = await fits.next();
  assert.equal((echoed.echo as string).length, MAX_FRAME - overhead);
  fits.close();

  const big = await openProgress(server);
  big.send(pad(MAX_FRAME + 1));
  const closed = await big.waitForClose('the server closes an oversized frame');
  assert.equal(closed.code, 1009);
  assert.deepEqual(big.frames, []);

  // Far beyond the cap uWS drops the connection without reading the frame.
  const huge = await openProgress(server);
  huge.send(pad(4 * MAX_FRAME));
  const dropped = await huge.waitForClose('the server drops a huge frame');
  assert.ok([1006, 1009].includes(dropped.code), String(dropped.code));
  assert.deepEqual(huge.frames, []);
});

test('§12.9 an oversized frame from the caller ends its socket, and so the call for the callee', async () => {
  const call = await placeCall(server, capture);
  const { caller, callee } = await alerting(server, call);
  caller.send('x'.repeat(MAX_FRAME + 10));
  assert.equal((await caller.waitForClose('close')).code, 1009);
  await callee.expect(progress('terminated', 'closed'));
  await callee.expectClosedByServer();
});

test('§12.1 a binary frame is refused, even one holding valid JSON: "Malformed message." then close 1003, nothing echoed', async () => {
  for (const bytes of [Buffer.from('{"messageType":"echo","echo":"bin"}'), Buffer.from([0x7b, 0xff, 0xfe, 0x7d])]) {
    const ws = await openProgress(server);
    ws.sendBinary(bytes);
    await ws.expect({ messageType: 'error', reason: 'Malformed message.' });
    await ws.expectClosedByServer(1003);
  }
});

test('§12.2 after an error the socket is closed: frames already in flight get no answer', async () => {
  const ws = await openProgress(server);
  ws.send('nope');
  ws.send({ messageType: 'echo', echo: 1 });
  ws.send({ messageType: 'echo', echo: 2 });
  await expectError(ws, 'Malformed message.');
  assert.equal(ws.frames.length, 1);
});

test('§12.1 a query string on the endpoint is ignored', async () => {
  const ws = await openProgress(server, '/websocket?callId=x&token=y');
  ws.send({ messageType: 'echo', echo: 'q' });
  await ws.expect({ messageType: 'echo', echo: 'q' });
  ws.close();
});

test('§12.1 other paths are not upgraded', async () => {
  for (const path of ['/websocket/x', '/v1/websocket', '/websockets']) {
    await assert.rejects(openProgress(server, path), /Unexpected server response: (404|307)/, path);
  }
});

test('§12.5 a second hello on a socket reports the current state and changes nothing', async () => {
  const call = await placeCall(server, capture);
  const { caller, callee } = await alerting(server, call);
  caller.send({ messageType: 'hello', callId: call.callId, auth: call.callerToken });
  await caller.expect(helloReply('alerting'));
  await pause();
  callee.expectNothingUnread();
  action(callee, 'accept');
  await callee.expect(progress('connecting'));
  await caller.expect(progress('connecting'));
  caller.close();
  callee.close();
});

test('§12.6 accept from the caller, and a second accept, get "No transition"', async () => {
  const call = await placeCall(server, capture);
  const { caller, callee } = await alerting(server, call);
  action(caller, 'accept');
  await expectError(caller, 'No transition from alerting state with accept event.');
  await callee.expect(progress('terminated', 'closed'));

  const other = await placeCall(server, capture);
  const pair = await alerting(server, other);
  const device2 = await progressHello(server, other.callId, other.calleeToken);
  await device2.expect(helloReply('alerting'));
  action(pair.callee, 'accept');
  await pair.callee.expect(progress('connecting'));
  await device2.expect(progress('terminated', 'answered-elsewhere'));
  action(pair.callee, 'accept');
  await expectError(pair.callee, 'No transition from connecting state with accept event.');
});

test('§12.6 terminate without reason broadcasts terminated without reason; unknown reason words are copied', async () => {
  const call = await placeCall(server, capture);
  const { caller, callee } = await alerting(server, call);
  action(caller, 'terminate');
  await caller.expect(progress('terminated'));
  await callee.expect(progress('terminated'));

  const other = await placeCall(server, capture);
  const pair = await alerting(server, other);
  action(pair.caller, 'terminate', 'Gone-Fishing-42');
  await pair.callee.expect(progress('terminated', 'Gone-Fishing-42'));
  await pair.caller.expect(progress('terminated', 'Gone-Fishing-42'));
});

test('§12.6 terminate is allowed before alerting: the caller cancels while half-initiated', async () => {
  const call = await placeCall(server, capture);
  const caller = await progressHello(server, call.callId, call.callerToken);
  await caller.expect(helloReply('init'));
  action(caller, 'terminate', 'cancel');
  await caller.expect(progress('terminated', 'cancel'));
  await caller.expectClosedByServer();
  const callee = await progressHello(server, call.callId, call.calleeToken);
  await callee.expect(helloReply('terminated', 'cancel'));
});
