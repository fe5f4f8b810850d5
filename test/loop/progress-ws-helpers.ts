import assert from 'node:assert/strict';
import type { TestServer } from '../helpers/server.ts';
import { hawkFetch, register } from '../helpers/loop.ts';
import { WsClient, type Frame } from '../helpers/ws-client.ts';

import type { Capture } from '../helpers/loop.ts';
export type { Capture };

/** Opens a socket on the server's progress endpoint (`path`, default /websocket). */
export function openProgress(server: TestServer, path = '/websocket'): Promise<WsClient> {
  return WsClient.connect(server.port, path);
}

/** Opens a socket and sends `hello`; resolves with the socket (its reply is read by the test). */
export async function progressHello(server: TestServer, callId: string, auth: string, path?: string): Promise<WsClient> {
  const client = await openProgress(server, path);
  client.send({ messageType: 'hello', callId, auth });
  return client;
}

/** Sends an `action` frame. */
export function action(client: WsClient, event: string, reason?: string): void {
  client.send({ messageType: 'action', event, ...(reason !== undefined && { reason }) });
}

/** The next frame is `{messageType:"error",reason}` and then the server closes the socket. */
export async function expectError(client: WsClient, reason: string): Promise<void> {
  await client.expect({ messageType: 'error', reason });
  await client.expectClosedByServer();
}

export const progress = (state: string, reason?: string): Frame => ({
  messageType: 'progress', state, ...(reason !== undefined && { reason }),
});
export const helloReply = (state: string, reason?: string): Frame => ({
  messageType: 'hello', state, ...(reason !== undefined && { reason }),
});

/** Lets frames in flight arrive (loopback): used before checking that nothing more came. */
export const pause = (ms = 100): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface TestCall {
  readonly callId: string;
  /** websocketToken of the caller's POST /calls answer. */
  readonly callerToken: string;
  /** websocketToken of the callee's GET /calls item. */
  readonly calleeToken: string;
  readonly caller: Awaited<ReturnType<typeof register>>;
  readonly callee: Awaited<ReturnType<typeof register>>;
  /** The caller's POST /calls answer. */
  readonly callerView: Frame;
  /** The callee's GET /calls?version=0 item. */
  readonly calleeView: Frame;
}

let seq = 0;

/**
 * The §17 way to get a call: registered users A and B (B with a `calls` push
 * URL on the capture server); A posts /v1/calls; B reads /v1/calls?version=0.
 */
export async function placeCall(server: TestServer, capture: Capture): Promise<TestCall> {
  const n = ++seq;
  const email = `callee${n}-${process.pid}@example.com`;
  const callee = await register(server, { identity: email, push: { calls: `${capture.url}/push/${n}` } });
  const caller = await register(server, { identity: `caller${n}@example.com` });
  const made = await hawkFetch(server, caller.creds, 'POST', '/v1/calls', { body: { calleeId: email, callType: 'audio-video' } });
  assert.equal(made.status, 200, made.text);
  const listed = await hawkFetch(server, callee.creds, 'GET', '/v1/calls?version=0');
  assert.equal(listed.status, 200, listed.text);
  const view = (listed.json.calls as Frame[]).find((c) => c.callId === made.json.callId);
  assert.ok(view, 'the callee lists the call');
  assert.notEqual(view.websocketToken, made.json.websocketToken);
  return {
    callId: made.json.callId,
    callerToken: made.json.websocketToken,
    calleeToken: view.websocketToken as string,
    caller,
    callee,
    callerView: made.json,
    calleeView: view,
  };
}

/** Caller and callee sockets through `hello` to `alerting`, every frame checked. */
export async function alerting(server: TestServer, call: TestCall): Promise<{ caller: WsClient; callee: WsClient }> {
  const caller = await progressHello(server, call.callId, call.callerToken);
  await caller.expect(helloReply('init'));
  const callee = await progressHello(server, call.callId, call.calleeToken);
  await callee.expect(helloReply('init'));
  await callee.expect(progress('alerting'));
  await caller.expect(progress('alerting'));
  return { caller, callee };
}

/** Whether the callee still lists the call in GET /calls?version=0. */
export async function listed(server: TestServer, call: TestCall): Promise<boolean> {
  const r = await hawkFetch(server, call.callee.creds, 'GET', '/v1/calls?version=0');
  assert.equal(r.status, 200, r.text);
  return (r.json.calls as Frame[]).some((c) => c.callId === call.callId);
}
