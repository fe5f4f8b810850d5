import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestServer } from '../helpers/server.ts';
import { hawkFetch, useLoopServer } from '../helpers/loop.ts';
import { openProgress, expectError, placeCall, type Capture } from './progress-ws-helpers.ts';

let server: TestServer;
let capture: Capture;
useLoopServer((f) => ({ server, capture } = f));

test('DELETE /account takes the callee\'s calls with it: their WebSocket tokens then get "bad callId"', async () => {
  const call = await placeCall(server, capture);
  const deleted = await hawkFetch(server, call.callee.creds, 'DELETE', '/v1/account');
  assert.equal(deleted.status, 204, deleted.text);
  const ws = await openProgress(server);
  ws.send({ messageType: 'hello', callId: call.callId, auth: call.calleeToken });
  await expectError(ws, 'bad callId');
});

test('a call of another user is untouched by an account deletion', async () => {
  const kept = await placeCall(server, capture);
  const other = await placeCall(server, capture);
  assert.equal((await hawkFetch(server, other.callee.creds, 'DELETE', '/v1/account')).status, 204);
  const ws = await openProgress(server);
  ws.send({ messageType: 'hello', callId: kept.callId, auth: kept.callerToken });
  await ws.expect({ messageType: 'hello', state: 'init' });
  ws.close();
});
