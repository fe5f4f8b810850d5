import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestServer } from '../helpers/server.ts';
import { pushCapture, startLoopServer } from '../helpers/loop.ts';
import {
  progressHello, action, expectError, progress, helloReply, pause, placeCall, alerting, listed, type Capture,
} from './progress-ws-helpers.ts';

// §17 items 87–89 (short timers) and the call lifetime of §7.5, on a server
// whose §12.8 timers are 0.2 s and whose calls live 3 s.

const TIMER_SEC = 0.2;
// Long enough that a loaded machine still fires the 0.2 s timers inside the call's life (an expired call ends silently).
const CALL_DURATION_SEC = 3;

let server: TestServer;
let capture: Capture;
before(async () => {
  server = await startLoopServer({
    callDuration: CALL_DURATION_SEC,
    timers: { supervisoryDuration: TIMER_SEC, ringingDuration: TIMER_SEC, connectionDuration: TIMER_SEC },
  });
  capture = await pushCapture();
});
after(async () => {
  await server.close();
  await capture.close();
});

const elapsedSince = (start: number) => (performance.now() - start) / 1000;

test('§17.87 a caller alone after hello gets terminated/timeout after the supervisory duration and is closed', async () => {
  const call = await placeCall(server, capture);
  const start = performance.now();
  const caller = await progressHello(server, call.callId, call.callerToken);
  await caller.expect(helloReply('init'));
  await caller.expect(progress('terminated', 'timeout'));
  assert.ok(elapsedSince(start) >= TIMER_SEC * 0.9, 'not before the supervisory duration');
  await caller.expectClosedByServer();
  assert.equal(await listed(server, call), false);
});

test('§17.88 after alerting with no accept, both get terminated/timeout after the ringing duration', async () => {
  const call = await placeCall(server, capture);
  const { caller, callee } = await alerting(server, call);
  const start = performance.now();
  await callee.expect(progress('terminated', 'timeout'));
  await caller.expect(progress('terminated', 'timeout'));
  assert.ok(elapsedSince(start) >= TIMER_SEC * 0.5, 'the ringing timer, not something immediate');
  await callee.expectClosedByServer();
  await caller.expectClosedByServer();
});

test('§17.89 after accept with no media-up, both get terminated/timeout after the connection duration', async () => {
  const call = await placeCall(server, capture);
  const { caller, callee } = await alerting(server, call);
  action(callee, 'accept');
  await callee.expect(progress('connecting'));
  await caller.expect(progress('connecting'));
  await callee.expect(progress('terminated', 'timeout'));
  await caller.expect(progress('terminated', 'timeout'));
  await callee.expectClosedByServer();
  await caller.expectClosedByServer();
});

test('§17.89 half-connected also times out: one media-up is not enough', async () => {
  const call = await placeCall(server, capture);
  const { caller, callee } = await alerting(server, call);
  action(callee, 'accept');
  await callee.expect(progress('connecting'));
  await caller.expect(progress('connecting'));
  action(caller, 'media-up');
  await caller.expect(progress('half-connected'));
  await callee.expect(progress('half-connected'));
  await caller.expect(progress('terminated', 'timeout'));
  await callee.expect(progress('terminated', 'timeout'));
});

test('§12.8 a connected call is not ended by any timer (the sockets close, so it ends as closed)', async () => {
  const call = await placeCall(server, capture);
  const { caller, callee } = await alerting(server, call);
  action(callee, 'accept');
  await callee.expect(progress('connecting'));
  await caller.expect(progress('connecting'));
  action(caller, 'media-up');
  action(callee, 'media-up');
  await caller.expect(progress('half-connected'));
  await caller.expect(progress('connected'));
  await callee.expect(progress('half-connected'));
  await callee.expect(progress('connected'));
  await caller.expectClosedByServer();
  await callee.expectClosedByServer();
  await pause(TIMER_SEC * 1000 * 1.5);
  const late = await progressHello(server, call.callId, call.callerToken);
  await late.expect(helloReply('terminated', 'closed'), 3000); // not overwritten by timeout
});

test('§12.9 a caller that leaves while half-initiated ends the call as closed; no timer overwrites it', async () => {
  const call = await placeCall(server, capture);
  const caller = await progressHello(server, call.callId, call.callerToken);
  await caller.expect(helloReply('init'));
  caller.close();
  await caller.closed;
  await pause(TIMER_SEC * 1000 * 1.5);
  const late = await progressHello(server, call.callId, call.calleeToken);
  await late.expect(helloReply('terminated', 'closed'));
});

test('§7.5 after callDuration a hello gets bad callId and GET /calls no longer lists the call', async () => {
  const call = await placeCall(server, capture);
  assert.equal(await listed(server, call), true);
  await pause(CALL_DURATION_SEC * 1000 + 100);
  assert.equal(await listed(server, call), false);
  const late = await progressHello(server, call.callId, call.callerToken);
  await expectError(late, 'bad callId');
});
