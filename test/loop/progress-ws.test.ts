import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestServer } from '../helpers/server.ts';
import { pushCapture, startLoopServer } from '../helpers/loop.ts';
import {
  openProgress, progressHello, action, expectError, progress, helloReply, pause, placeCall, alerting, listed, type Capture,
} from './progress-ws-helpers.ts';

// §17 items 78–86 and 90–92 (the call-progress WebSocket, default timers),
// black-box: real HTTP to create the call, `ws` clients on /websocket.

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

test('§17.78 echo is answered with the same value, needs no hello, and leaves the socket open', async () => {
  const ws = await openProgress(server);
  ws.send({ messageType: 'echo', echo: 'foo' });
  await ws.expect({ messageType: 'echo', echo: 'foo' });
  ws.send({ messageType: 'echo', echo: { nested: [1, null, 'é'] } });
  await ws.expect({ messageType: 'echo', echo: { nested: [1, null, 'é'] } });
  await pause(50);
  assert.ok(ws.isOpen);
  ws.close();
});

test('§17.79 a non-JSON frame gets "Malformed message." and the socket is closed', async () => {
  const ws = await openProgress(server);
  ws.send('this is not json');
  await expectError(ws, 'Malformed message.');
});

test('§17.80 hello: unknown callId, wrong auth, missing auth — each an error, then close', async () => {
  const call = await placeCall(server, capture);
  const unknown = await progressHello(server, '0'.repeat(32), call.callerToken);
  await expectError(unknown, 'bad callId');
  const wrong = await progressHello(server, call.callId, 'f'.repeat(32));
  await expectError(wrong, 'bad authentication');
  const noAuth = await openProgress(server);
  noAuth.send({ messageType: 'hello', callId: call.callId });
  await expectError(noAuth, 'Missing parameters: auth');
  const nothing = await openProgress(server);
  nothing.send({ messageType: 'hello' });
  await expectError(nothing, 'Missing parameters: callId, auth');
  // None of those counted as a device: the call is still there for the real parties.
  await alerting(server, call);
});

test('§17.81 caller hello/init; callee hello/init then progress/alerting; caller progress/alerting', async () => {
  const call = await placeCall(server, capture);
  const { caller, callee } = await alerting(server, call); // checks each frame, in order
  await pause();
  caller.expectNothingUnread();
  callee.expectNothingUnread();
  caller.close();
  callee.close();
});

test('§17.82 caller media-up in alerting: error, its socket closes, the callee gets terminated/closed', async () => {
  const call = await placeCall(server, capture);
  const { caller, callee } = await alerting(server, call);
  action(caller, 'media-up');
  await expectError(caller, 'No transition from alerting state with media-up event.');
  await callee.expect(progress('terminated', 'closed'));
  await callee.expectClosedByServer();
});

test('§17.83 accept → connecting; media-up ×2 → half-connected, connected; both sockets closed', async () => {
  const call = await placeCall(server, capture);
  const { caller, callee } = await alerting(server, call);
  action(callee, 'accept');
  await callee.expect(progress('connecting'));
  await caller.expect(progress('connecting'));
  action(caller, 'media-up');
  await caller.expect(progress('half-connected'));
  await callee.expect(progress('half-connected'));
  action(callee, 'media-up');
  await callee.expect(progress('connected'));
  await caller.expect(progress('connected'));
  await caller.expectClosedByServer();
  await callee.expectClosedByServer();
  // §12.9: the closes end the call (terminated/closed); §7.4 no longer lists it.
  const late = await progressHello(server, call.callId, call.callerToken);
  await late.expect(helloReply('terminated', 'closed'));
  assert.equal(await listed(server, call), false);
});

test('§17.84 terminate busy: both get terminated/busy and are closed; a later hello reports it; GET /calls hides it', async () => {
  const call = await placeCall(server, capture);
  assert.equal(await listed(server, call), true);
  const { caller, callee } = await alerting(server, call);
  action(callee, 'terminate', 'busy');
  await callee.expect(progress('terminated', 'busy'));
  await caller.expect(progress('terminated', 'busy'));
  await callee.expectClosedByServer();
  await caller.expectClosedByServer();
  const late = await progressHello(server, call.callId, call.calleeToken);
  await late.expect(helloReply('terminated', 'busy'));
  await late.expectClosedByServer(); // allowed by §12.5 step 6: nothing more can come
  assert.equal(await listed(server, call), false, '§7.4: a terminated call is not listed');
});

test('§17.85 terminate with reason "t#is" gets "Invalid reason: should be alphanumeric"', async () => {
  const call = await placeCall(server, capture);
  const { caller, callee } = await alerting(server, call);
  action(caller, 'terminate', 't#is');
  await expectError(caller, 'Invalid reason: should be alphanumeric');
  await callee.expect(progress('terminated', 'closed'), 3000); // the caller's only socket closed (§12.9)
  await callee.expectClosedByServer();
});

test('§17.86 an action with event "ring" gets the invalid-event error', async () => {
  const call = await placeCall(server, capture);
  const { caller, callee } = await alerting(server, call);
  action(callee, 'ring');
  await expectError(callee, 'ring state is invalid. Should be one of: accept, media-up, terminate');
  caller.close();
});

test('§17.90 two callee devices: accept on one sends the other away (answered-elsewhere); the call still connects', async () => {
  const call = await placeCall(server, capture);
  const caller = await progressHello(server, call.callId, call.callerToken);
  await caller.expect(helloReply('init'));
  const callee1 = await progressHello(server, call.callId, call.calleeToken);
  await callee1.expect(helloReply('init'));
  await callee1.expect(progress('alerting'));
  await caller.expect(progress('alerting'));
  const callee2 = await progressHello(server, call.callId, call.calleeToken);
  // A device joining in alerting is told the state in its hello reply (§12.5 step 6).
  await callee2.expect(helloReply('alerting'));
  action(callee1, 'accept');
  await callee2.expect(progress('terminated', 'answered-elsewhere'));
  await callee2.expectClosedByServer();
  await callee1.expect(progress('connecting'));
  await caller.expect(progress('connecting'));
  // callee2 leaving is not the last callee socket: the call goes on.
  action(caller, 'media-up');
  await caller.expect(progress('half-connected'));
  await callee1.expect(progress('half-connected'));
  action(callee1, 'media-up');
  await callee1.expect(progress('connected'));
  await caller.expect(progress('connected'));
  await caller.expectClosedByServer();
  await callee1.expectClosedByServer();
});

test('§17.90 two callee devices that both hello before alerting: the second is sent away too', async () => {
  const call = await placeCall(server, capture);
  const callee1 = await progressHello(server, call.callId, call.calleeToken);
  await callee1.expect(helloReply('init'));
  const callee2 = await progressHello(server, call.callId, call.calleeToken);
  await callee2.expect(helloReply('init'));
  const caller = await progressHello(server, call.callId, call.callerToken);
  await caller.expect(helloReply('init'));
  for (const ws of [caller, callee1, callee2]) await ws.expect(progress('alerting'));
  action(callee2, 'accept');
  await callee1.expect(progress('terminated', 'answered-elsewhere'));
  await callee1.expectClosedByServer();
  await callee2.expect(progress('connecting'));
  await caller.expect(progress('connecting'));
  await pause();
  caller.expectNothingUnread();
  callee2.expectNothingUnread();
  caller.close();
  await callee2.expect(progress('terminated', 'closed'));
  await callee2.expectClosedByServer();
});

test('§17.91 the caller closing its only socket during alerting: the callee gets terminated/closed', async () => {
  const call = await placeCall(server, capture);
  const { caller, callee } = await alerting(server, call);
  caller.close();
  await callee.expect(progress('terminated', 'closed'));
  await callee.expectClosedByServer();
});

test('§12.9 a caller with two sockets: closing one does not end the call', async () => {
  const call = await placeCall(server, capture);
  const { caller, callee } = await alerting(server, call);
  const caller2 = await progressHello(server, call.callId, call.callerToken);
  await caller2.expect(helloReply('alerting'));
  caller.close();
  await caller.closed;
  await pause();
  callee.expectNothingUnread();
  assert.ok(callee.isOpen);
  caller2.close();
  await callee.expect(progress('terminated', 'closed'));
  await callee.expectClosedByServer();
});

test('§17.92 a repeated media-up from the same side produces no message', async () => {
  const call = await placeCall(server, capture);
  const { caller, callee } = await alerting(server, call);
  action(callee, 'accept');
  await callee.expect(progress('connecting'));
  await caller.expect(progress('connecting'));
  action(caller, 'media-up');
  await caller.expect(progress('half-connected'));
  await callee.expect(progress('half-connected'));
  action(caller, 'media-up');
  action(caller, 'media-up');
  await pause();
  caller.expectNothingUnread();
  callee.expectNothingUnread();
  action(callee, 'media-up');
  await caller.expect(progress('connected'));
  await callee.expect(progress('connected'));
  await caller.expectClosedByServer();
  await callee.expectClosedByServer();
});

test('§12.7 two callee devices accepting at once: exactly one wins, the caller hears connecting once', async () => {
  const call = await placeCall(server, capture);
  const { caller, callee: callee1 } = await alerting(server, call);
  const callee2 = await progressHello(server, call.callId, call.calleeToken);
  await callee2.expect(helloReply('alerting'));
  action(callee1, 'accept');
  action(callee2, 'accept');
  await caller.expect(progress('connecting'));
  const outcomes = await Promise.all([callee1, callee2].map(async (ws) => {
    const frame = await ws.next();
    if (frame.state === 'connecting') return 'won';
    // The loser is sent away, whether the broadcast or its own refused accept reached it first.
    assert.ok(
      JSON.stringify(frame) === JSON.stringify(progress('terminated', 'answered-elsewhere')) ||
        JSON.stringify(frame) === JSON.stringify({ messageType: 'error', reason: 'No transition from connecting state with accept event.' }),
      JSON.stringify(frame),
    );
    await ws.expectClosedByServer();
    return 'lost';
  }));
  assert.deepEqual([...outcomes].sort(), ['lost', 'won']);
  const winner = outcomes.indexOf('won') === 0 ? callee1 : callee2;
  await pause();
  caller.expectNothingUnread();
  action(caller, 'media-up');
  action(winner, 'media-up');
  await caller.expect(progress('half-connected'));
  await caller.expect(progress('connected'));
  await caller.expectClosedByServer();
});
