import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CallStateStore } from '../../../src/store/call-state.ts';
import { action, CALL_ID, CALLER_TOKEN, failing, harness, msg, settle } from './harness.ts';

test('the last caller socket closing during alerting: the callee gets progress/terminated/closed and is closed', async () => {
  const h = harness();
  await h.createCall();
  const caller = await h.join('caller');
  const callee = await h.join('callee');
  callee.take();
  await caller.hangUp();
  assert.deepEqual(callee.take(), [msg.progress('terminated', 'closed')]);
  assert.ok(callee.closed);
  const call = await h.store.get(CALL_ID);
  assert.deepEqual([call?.markers, call?.reason, call?.devices], [[], 'closed', { caller: 0, callee: 0 }]);
});

test('a socket that is not its role\'s last closing changes nothing', async () => {
  const h = harness();
  await h.createCall();
  const caller = await h.join('caller');
  const callee1 = await h.join('callee');
  const callee2 = await h.join('callee');
  caller.take();
  callee1.take();
  await callee2.hangUp();
  assert.deepEqual([caller.take(), callee1.take()], [[], []]);
  assert.deepEqual((await h.store.get(CALL_ID))?.devices, { caller: 1, callee: 1 });
  assert.equal((await h.store.get(CALL_ID))?.markers.length, 3);
  // The remaining device can still answer.
  await callee1.say(action('accept'));
  assert.deepEqual(caller.take(), [msg.progress('connecting')]);
});

test('a reconnecting caller: the old socket closing is not the last one, the call goes on', async () => {
  const h = harness();
  await h.createCall();
  const old = await h.join('caller');
  const fresh = await h.join('caller');
  const callee = await h.join('callee');
  await old.hangUp();
  assert.deepEqual(fresh.take(), [msg.hello('init'), msg.progress('alerting')]);
  assert.deepEqual(callee.take(), [msg.hello('init'), msg.progress('alerting')]);
});

test('a socket closing after connected: the stored state ends terminated/closed', async () => {
  const h = harness();
  await h.createCall();
  const caller = await h.join('caller');
  const callee = await h.join('callee');
  await callee.say(action('accept'));
  await callee.say(action('media-up'));
  // Connected in the store, the broadcast not yet delivered; the caller goes away.
  await h.store.addMarker(CALL_ID, 'connected.caller', ['half-connected']);
  callee.take();
  await caller.hangUp();
  assert.deepEqual(callee.take(), [msg.progress('terminated', 'closed')]);
  const call = await h.store.get(CALL_ID);
  assert.deepEqual([call?.markers, call?.reason], [[], 'closed']);
});

test('closing a terminated call leaves its reason alone', async () => {
  const h = harness();
  await h.createCall();
  const caller = await h.join('caller');
  await h.store.terminate(CALL_ID, 'busy');
  await caller.hangUp();
  assert.equal((await h.store.get(CALL_ID))?.reason, 'busy');
});

test('a socket closing before hello, or after its call expired, touches nothing', async () => {
  const h = harness();
  await h.createCall();
  await h.connect().hangUp();
  const call = await h.store.get(CALL_ID);
  assert.deepEqual([call?.markers, call?.devices, call?.reason], [['init'], { caller: 0, callee: 0 }, undefined]);
  const caller = await h.join('caller');
  await h.advance(60_000);
  await caller.hangUp();
  assert.deepEqual(h.errors, []);
});

test('closed() is idempotent: the server closing and the transport reporting it count down once', async () => {
  const h = harness();
  await h.createCall();
  const a = await h.join('caller');
  await h.join('caller');
  await Promise.all([a.session.closed(), a.session.closed()]);
  a.close(); // the fake transport reports the close again
  await settle();
  assert.deepEqual((await h.store.get(CALL_ID))?.devices, { caller: 1, callee: 0 });
  assert.deepEqual(a.misuse, []);
});

test('race: a close while the hello is still counting the device undoes the count once it is done', async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const h = harness({
    wrapStore: (store): CallStateStore => {
      const wrapped = failing(store, 'close'); // every other method passes through
      const join = wrapped.join;
      return { ...wrapped, join: async (device, role, leaseMs) => { await gate; return join(device, role, leaseMs); } };
    },
  });
  await h.createCall();
  const caller = h.connect();
  void caller.session.receive(JSON.stringify({ messageType: 'hello', callId: CALL_ID, auth: CALLER_TOKEN }));
  await settle(); // the hello waits in join
  const leaving = caller.session.closed();
  release();
  await leaving;
  await settle();
  assert.deepEqual(caller.take(), []); // nothing is sent after the close
  const call = await h.store.get(CALL_ID);
  // The caller's only socket left: the call is ended, like any last socket of a role.
  assert.deepEqual([call?.devices, call?.markers, call?.reason], [{ caller: 0, callee: 0 }, [], 'closed']);
  assert.equal(h.time.pendingCount, 0);
});

test('a store failure while closing is reported, never thrown', async () => {
  const h = harness({ wrapStore: (s) => failing(s, 'leave') });
  await h.createCall();
  const caller = await h.join('caller');
  await caller.hangUp();
  assert.equal((h.errors[0] as Error).message, 'leave failed');
});
