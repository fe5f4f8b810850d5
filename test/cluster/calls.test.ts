import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { CallStateStore, Firing } from '../../src/store/call-state.ts';
import { startCluster, storeCallsSettled, type Cluster } from '../helpers/cluster.ts';
import { eventually } from '../helpers/eventually.ts';
import { FakeTime } from '../helpers/fake-time.ts';
import { hawkFetch, pushCapture, register, send } from '../helpers/loop.ts';
import type { TestServer } from '../helpers/server.ts';
import {
  progressHello, action, progress, helloReply, pause, placeCall, type Capture, type TestCall,
} from '../loop/progress-ws-helpers.ts';

// Three apps on one shared call store, on fake time (the §12.8 timers, the
// socket leases and every app's poll run on it; HTTP and sockets are real).
// Calls and their progress state must work as on one server whichever app
// each request and socket lands on, and every timer must fire exactly once.

const TIMERS = { supervisoryDuration: 1, ringingDuration: 2, connectionDuration: 3 };

let time: FakeTime;
let cluster: Cluster;
let capture: Capture;
let fired: Firing[];
before(async () => {
  time = new FakeTime();
  cluster = await startCluster(3, {}, { clock: time, timers: time }, { loop: { timers: TIMERS } });
  capture = await pushCapture();
  fired = recordFirings(cluster);
});
after(async () => {
  await cluster.close();
  await capture.close();
});

/**
 * The firings of `call` are `expected`, once as many have come in: the node
 * that fired one may hear its store's answer after the sockets heard the
 * broadcast (on Redis they travel on two connections).
 */
async function firedExactly(log: Firing[], call: TestCall, expected: string[]): Promise<void> {
  await eventually(() => firingsOf(log, call).length >= expected.length, `${expected.length} firings`);
  assert.deepEqual(firingsOf(log, call), expected);
}

/** Every deadline or lease the cluster's stores fired (through any app's timer or poll). */
function recordFirings(of: Cluster): Firing[] {
  const log: Firing[] = [];
  for (const { callState } of of.nodeStores) recordInto(log, callState);
  return log;
}

function recordInto(log: Firing[], store: CallStateStore): void {
  const own = store.fireDeadline.bind(store);
  const due = store.fireDue.bind(store);
  Object.assign(store, {
    fireDeadline: async (...args: Parameters<CallStateStore['fireDeadline']>) => {
      const f = await own(...args);
      if (f) log.push(f);
      return f;
    },
    fireDue: async (max?: number) => {
      const f = await due(max);
      log.push(...f);
      return f;
    },
  });
}

/**
 * Moves fake time in small steps, letting the store work and socket I/O each
 * step caused run in between (on Redis, until every app has its store's
 * answers: a lease renewed at fake 2 s must be in Redis before fake time
 * reaches its end).
 */
async function advance(t: FakeTime, ms: number, step = 50): Promise<void> {
  for (let done = 0; done < ms; done += step) {
    t.advance(Math.min(step, ms - done));
    await new Promise((resolve) => setImmediate(resolve));
    await storeCallsSettled();
  }
}

/** Every app polls each POLL_MS of fake time (a third of the 15 s default lease, at most 1 s). */
const POLL_MS = 1000;

/**
 * The caller's socket on one app, the callee's on another, through `hello` to
 * `alerting`, every frame checked. The hellos happen half-way between two
 * polls, so each deadline comes due there: its own app's timer must fire it,
 * and the next poll must find nothing left to fire.
 */
async function alertingAcross(t: FakeTime, callerApp: TestServer, calleeApp: TestServer, call: TestCall) {
  await advance(t, POLL_MS - (t.now() % POLL_MS) + POLL_MS / 2, 10);
  const caller = await progressHello(callerApp, call.callId, call.callerToken);
  await caller.expect(helloReply('init'));
  const callee = await progressHello(calleeApp, call.callId, call.calleeToken);
  await callee.expect(helloReply('init'));
  await callee.expect(progress('alerting'));
  await caller.expect(progress('alerting'));
  return { caller, callee };
}

/** What fired for this call, as `kind:terminated`, sorted. */
const firingsOf = (log: Firing[], call: TestCall): string[] =>
  log.filter((f) => f.callId === call.callId).map((f) => `${f.kind}:${f.terminated}`).sort();

test('a call URL made on A, the call placed through it on B, listed by GET /calls on C, hello on C', async () => {
  const [A, B, C] = cluster.apps;
  const owner = await register(A, { identity: 'owner@example.com', push: { calls: `${capture.url}/push/owner` } });
  const url = await hawkFetch(A, owner.creds, 'POST', '/v1/call-url', { body: { callerId: 'guest' } });
  assert.equal(url.status, 200, url.text);
  const token = url.json.callToken as string;
  assert.equal((await send(C, 'GET', `/v1/calls/${token}`)).status, 200);
  const placed = await send(B, 'POST', `/v1/calls/${token}`, { callType: 'audio' });
  assert.equal(placed.status, 200, placed.text);
  const listed = await hawkFetch(C, owner.creds, 'GET', '/v1/calls?version=0');
  assert.equal(listed.status, 200, listed.text);
  const item = (listed.json.calls as Record<string, unknown>[]).find((c) => c.callId === placed.json.callId);
  assert.ok(item, 'C lists the call placed on B');
  assert.equal(item.callToken, token);
  assert.equal(item.callerId, 'guest');
  const callee = await progressHello(C, placed.json.callId, item.websocketToken as string);
  await callee.expect(helloReply('init'));
  const caller = await progressHello(A, placed.json.callId, placed.json.websocketToken);
  await caller.expect(helloReply('init'));
  await callee.expect(progress('alerting'));
  await caller.expect(progress('alerting'));
  action(caller, 'terminate', 'cancel');
  await caller.expect(progress('terminated', 'cancel'));
  await callee.expect(progress('terminated', 'cancel'));
  const after = await hawkFetch(B, owner.creds, 'GET', '/v1/calls?version=0');
  assert.equal((after.json.calls as { callId: string }[]).some((c) => c.callId === placed.json.callId), false, 'terminated: no longer listed');
});

test('caller on A, callee on B, to connected: supervisory and ringing fire once each (no effect); the sockets close, nothing else fires', async () => {
  const [A, B, C] = cluster.apps;
  const call = await placeCall(C, capture);
  const { caller, callee } = await alertingAcross(time, A, B, call);
  await advance(time, 1000);
  await pause(50);
  caller.expectNothingUnread();
  callee.expectNothingUnread();
  action(callee, 'accept');
  await callee.expect(progress('connecting'));
  await caller.expect(progress('connecting'));
  await advance(time, 1000); // the ringing deadline: the call is connecting, so it ends nothing
  action(caller, 'media-up');
  await callee.expect(progress('half-connected'));
  await caller.expect(progress('half-connected'));
  action(callee, 'media-up');
  await callee.expect(progress('connected'));
  await caller.expect(progress('connected'));
  await callee.expectClosedByServer();
  await caller.expectClosedByServer();
  await advance(time, 3000); // past the connection deadline: it went with its socket; polls come and go
  await firedExactly(fired, call, ['ringing:false', 'supervisory:false', 'supervisory:false']);
  const mine = fired.filter((f) => f.callId === call.callId);
  assert.equal(new Set(mine.filter((f) => f.kind === 'supervisory').map((f) => f.deviceId)).size, 2, 'one supervisory deadline per socket');
  const state = await cluster.stores.callState.get(call.callId);
  assert.deepEqual([state?.markers, state?.reason], [[], 'closed'], '§12.9: the last sockets closing end the connected call');
});

test('nobody answers: the ringing deadline fires once and both sides get terminated/timeout once', async () => {
  const [A, B, C] = cluster.apps;
  const call = await placeCall(A, capture);
  const { caller, callee } = await alertingAcross(time, B, C, call);
  await advance(time, 1999);
  await pause(50);
  caller.expectNothingUnread();
  callee.expectNothingUnread();
  await advance(time, 1);
  await callee.expect(progress('terminated', 'timeout'));
  await caller.expect(progress('terminated', 'timeout'));
  await callee.expectClosedByServer();
  await caller.expectClosedByServer();
  await advance(time, 3000); // polls come and go: nothing fires twice
  await firedExactly(fired, call, ['ringing:true', 'supervisory:false', 'supervisory:false']);
  assert.equal((await cluster.stores.callState.get(call.callId))?.reason, 'timeout');
});

test('accept on B without media-up: the connection deadline fires once; caller on A and callee get terminated/timeout once', async () => {
  const [A, B] = cluster.apps;
  const call = await placeCall(B, capture);
  const { caller, callee } = await alertingAcross(time, A, B, call);
  action(callee, 'accept');
  await callee.expect(progress('connecting'));
  await caller.expect(progress('connecting'));
  await advance(time, 2999);
  await pause(50);
  caller.expectNothingUnread();
  await advance(time, 1);
  await callee.expect(progress('terminated', 'timeout'));
  await caller.expect(progress('terminated', 'timeout'));
  await callee.expectClosedByServer();
  await caller.expectClosedByServer();
  await advance(time, POLL_MS);
  await firedExactly(fired, call, ['connection:true', 'ringing:false', 'supervisory:false', 'supervisory:false']);
});

test('crash: the app holding the caller socket dies; the callee on another app gets terminated/closed once the lease lapses', async () => {
  const t = new FakeTime();
  const crashy = await startCluster(3, {}, { clock: t, timers: t }, { loop: { progressSocketLease: 3 } });
  const log = recordFirings(crashy);
  try {
    const [A, B, C] = crashy.apps;
    const call = await placeCall(C, capture);
    const { callee } = await alertingAcross(t, A, B, call);
    await A.crash(); // its store handle is cut first: the caller's socket is never removed by A
    await advance(t, 2900); // the lease began at the hello
    await pause(50);
    callee.expectNothingUnread();
    assert.deepEqual((await crashy.stores.callState.get(call.callId))?.devices, { caller: 1, callee: 1 }, 'the lease still runs');
    await advance(t, 1100); // the lease ended at 3 s; some surviving app's poll reaps it within 1 s
    await callee.expect(progress('terminated', 'closed'));
    await callee.expectClosedByServer();
    await firedExactly(log, call, ['lease:true']);
    assert.deepEqual((await crashy.stores.callState.get(call.callId))?.reason, 'closed');
  } finally {
    await crashy.close();
  }
});

test('crash: the app that armed the ringing timer dies; another app\'s poll fires it on time (timeout, not closed)', async () => {
  const t = new FakeTime();
  const crashy = await startCluster(3, {}, { clock: t, timers: t }, { loop: { timers: TIMERS } });
  const log = recordFirings(crashy);
  try {
    const [A, B, C] = crashy.apps;
    const call = await placeCall(C, capture);
    const { caller } = await alertingAcross(t, A, B, call);
    await B.crash(); // B held the callee's socket and its supervisory and ringing timers
    await advance(t, 1900);
    await pause(50);
    caller.expectNothingUnread();
    // Due at 2 s, half-way between polls: the next poll (within POLL_MS) fires it; the 15 s lease has not lapsed.
    await advance(t, 100 + POLL_MS);
    await caller.expect(progress('terminated', 'timeout'));
    await caller.expectClosedByServer();
    await firedExactly(log, call, ['ringing:true', 'supervisory:false', 'supervisory:false']);
  } finally {
    await crashy.close();
  }
});
