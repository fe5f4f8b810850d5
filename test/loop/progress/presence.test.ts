import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DevicePresence } from '../../../src/loop/progress/presence.ts';
import { DuePoller } from '../../../src/loop/progress/due-poller.ts';
import type { Firing } from '../../../src/store/call-state.ts';
import { MemoryCallStateStore } from '../../../src/store/memory/call-state.ts';
import { FakeTime } from '../../helpers/fake-time.ts';
import { CALL_DURATION_MS, CALL_ID, CALLEE_TOKEN, CALLER_TOKEN, FakeSocket, msg, placedCall, settle } from './harness.ts';
import { ProgressSession } from '../../../src/loop/progress/session.ts';
import { DEFAULT_TIMINGS } from '../../../src/loop/progress/call-state.ts';

/** Moves fake time in steps, letting store calls finish in between (as real time would). */
async function advance(time: FakeTime, ms: number, step = 100): Promise<void> {
  for (let done = 0; done < ms; done += step) {
    time.advance(Math.min(step, ms - done));
    await settle();
  }
}

function setup(leaseMs = 300) {
  const time = new FakeTime();
  const store = new MemoryCallStateStore({ clock: time, callDurationMs: CALL_DURATION_MS });
  const presence = new DevicePresence({ store, timers: time, leaseMs });
  return { time, store, presence };
}

test('presence: held devices are renewed every third of the lease and stay counted; released ones lapse', async () => {
  const { time, store, presence } = setup();
  await store.create(placedCall(CALL_ID, CALLER_TOKEN, CALLEE_TOKEN), ['u']);
  const a = { callId: CALL_ID, deviceId: 'a' };
  const b = { callId: CALL_ID, deviceId: 'b' };
  await store.join(a, 'caller', 300);
  await store.join(b, 'callee', 300);
  presence.hold(a, () => assert.fail('a is not lost'));
  const releaseB = presence.hold(b, () => assert.fail('b was released, not lost'));
  releaseB();
  await advance(time, 1000);
  assert.deepEqual((await store.get(CALL_ID))?.devices, { caller: 1, callee: 0 });
  presence.stop();
  await advance(time, 300);
  assert.deepEqual((await store.get(CALL_ID))?.devices, { caller: 0, callee: 0 }, 'nothing renews after stop');
});

test('presence: a device the store no longer holds is reported lost once and no longer renewed', async () => {
  const { time, store, presence } = setup();
  await store.create(placedCall(CALL_ID, CALLER_TOKEN, CALLEE_TOKEN), ['u']);
  const a = { callId: CALL_ID, deviceId: 'a' };
  await store.join(a, 'caller', 300);
  let lost = 0;
  presence.hold(a, () => lost++);
  await store.leave(a); // e.g. reaped by another node while this one stalled
  await advance(time, 500);
  assert.equal(lost, 1);
  assert.equal(presence.size, 0);
  presence.stop();
});

test('a session whose device is lost closes its socket; with presence its lease is what the store counts', async () => {
  const { time, store, presence } = setup();
  await store.create(placedCall(CALL_ID, CALLER_TOKEN, CALLEE_TOKEN), ['u']);
  const socket = new FakeSocket();
  socket.session = new ProgressSession(socket, { store, timers: time, timings: DEFAULT_TIMINGS, presence, newDeviceId: () => 'dev-1' });
  await socket.say({ messageType: 'hello', callId: CALL_ID, auth: CALLER_TOKEN });
  assert.deepEqual(socket.take(), [msg.hello('init')]);
  assert.equal(presence.size, 1);
  await advance(time, 1000);
  assert.deepEqual((await store.get(CALL_ID))?.devices, { caller: 1, callee: 0 }, 'renewed past its first lease');
  await store.leave({ callId: CALL_ID, deviceId: 'dev-1' }); // the store let it go
  await advance(time, 200);
  assert.ok(socket.closed);
  assert.equal(presence.size, 0);
  presence.stop();
});

test('sockets whose node stopped renewing lapse; a poll reaps them, the first as the end of the call (closed), once', async () => {
  const { time, store, presence } = setup();
  await store.create(placedCall(CALL_ID, CALLER_TOKEN, CALLEE_TOKEN), ['u']);
  const join = async (auth: string) => {
    const socket = new FakeSocket();
    socket.session = new ProgressSession(socket, { store, timers: time, timings: DEFAULT_TIMINGS, presence });
    await socket.say({ messageType: 'hello', callId: CALL_ID, auth });
    return socket;
  };
  const caller = await join(CALLER_TOKEN);
  const callee = await join(CALLEE_TOKEN);
  caller.take();
  callee.take();
  const fired: Firing[] = [];
  const poller = new DuePoller({ store, timers: time, everyMs: 100, onFired: (f) => fired.push(f) });
  presence.stop(); // this node stops renewing, as if it had died
  await advance(time, 400);
  assert.deepEqual(fired.map((f) => `${f.kind}:${f.terminated}`), ['lease:true', 'lease:false']);
  assert.deepEqual(callee.take(), [msg.progress('terminated', 'closed')]);
  assert.deepEqual(caller.take(), [msg.progress('terminated', 'closed')]);
  await advance(time, 400);
  assert.equal(fired.length, 2, 'reaped once');
  poller.stop();
});
