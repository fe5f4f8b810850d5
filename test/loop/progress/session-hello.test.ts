import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CALL_DURATION_MS, CALL_ID, CALLEE_TOKEN, CALLER_TOKEN, failing, harness, msg, settle } from './harness.ts';

test('echo: answered with the same value, no hello needed, the socket stays open', async () => {
  const h = harness();
  const s = h.connect();
  await s.say({ messageType: 'echo', echo: 'foo' });
  await s.say({ messageType: 'echo', echo: { a: [1, null, 'x'] } });
  await s.say({ messageType: 'echo' });
  assert.deepEqual(s.take(), [
    { messageType: 'echo', echo: 'foo' },
    { messageType: 'echo', echo: { a: [1, null, 'x'] } },
    { messageType: 'echo' },
  ]);
  assert.equal(s.closed, false);
});

for (const [frame, reason] of [
  ['not json', 'Malformed message.'],
  ['{"messageType":"bye"}', 'Unknown messageType'],
  ['{"messageType":"hello"}', 'Missing parameters: callId, auth'],
  [`{"messageType":"hello","callId":"${CALL_ID}"}`, 'Missing parameters: auth'],
  ['{"messageType":"hello","callId":"ffffffffffffffffffffffffffffffff","auth":"x"}', 'bad callId'],
  [`{"messageType":"hello","callId":"${CALL_ID}","auth":"wrong"}`, 'bad authentication'],
  [`{"messageType":"hello","callId":"${CALL_ID}","auth":7}`, 'bad authentication'],
  [`{"messageType":"hello","callId":"${CALL_ID}","auth":"${CALLER_TOKEN.slice(1)}"}`, 'bad authentication'],
] as const) {
  test(`error then close: ${frame} → ${reason}`, async () => {
    const h = harness();
    await h.createCall();
    const s = h.connect();
    await s.say(frame);
    assert.deepEqual(s.take(), [msg.error(reason)]);
    assert.deepEqual(s.closedWith, { code: 1000, reason: undefined });
    assert.deepEqual((await h.store.get(CALL_ID))?.devices, { caller: 0, callee: 0 });
    assert.deepEqual(s.misuse, []);
  });
}

test('a frame above 64 KiB closes the socket with 1009 and no reply', async () => {
  const h = harness();
  const s = h.connect();
  await s.say(`{"messageType":"echo","echo":"${'x'.repeat(64 * 1024)}"}`);
  assert.deepEqual(s.take(), []);
  assert.equal(s.closedWith?.code, 1009);
});

test('a call older than callDuration is a bad callId', async () => {
  const h = harness();
  await h.createCall();
  await h.advance(CALL_DURATION_MS);
  const s = await h.join('caller');
  assert.deepEqual(s.take(), [msg.error('bad callId')]);
  assert.ok(s.closed);
});

test('caller hello → hello/init; callee hello → hello/init then progress/alerting to both', async () => {
  const h = harness();
  await h.createCall();
  const caller = await h.join('caller');
  assert.deepEqual(caller.take(), [msg.hello('init')]);
  assert.deepEqual((await h.store.get(CALL_ID))?.markers, ['init', 'init.caller']);
  const callee = await h.join('callee');
  assert.deepEqual(callee.take(), [msg.hello('init'), msg.progress('alerting')]);
  assert.deepEqual(caller.take(), [msg.progress('alerting')]);
  assert.deepEqual((await h.store.get(CALL_ID))?.devices, { caller: 1, callee: 1 });
  assert.ok(!caller.closed && !callee.closed);
});

test('callee first works the same way (half-initiated is reported as init)', async () => {
  const h = harness();
  await h.createCall();
  const callee = await h.join('callee');
  const callee2 = await h.join('callee'); // a second device while half-initiated: no broadcast
  assert.deepEqual(callee.take(), [msg.hello('init')]);
  assert.deepEqual(callee2.take(), [msg.hello('init')]);
  const caller = await h.join('caller');
  assert.deepEqual(caller.take(), [msg.hello('init'), msg.progress('alerting')]);
  assert.deepEqual(callee.take(), [msg.progress('alerting')]);
  assert.deepEqual(callee2.take(), [msg.progress('alerting')]);
});

test('a hello in a later state gets that state and changes nothing; its socket then gets the broadcasts', async () => {
  const h = harness();
  await h.createCall();
  const caller = await h.join('caller');
  await h.join('callee');
  const late = await h.join('callee');
  assert.deepEqual(late.take(), [msg.hello('alerting')]);
  assert.deepEqual((await h.store.get(CALL_ID))?.markers, ['init', 'init.caller', 'init.callee']);
  assert.deepEqual((await h.store.get(CALL_ID))?.devices, { caller: 1, callee: 2 });
  caller.take();
  await caller.say({ messageType: 'action', event: 'terminate', reason: 'cancel' });
  assert.deepEqual(late.take(), [msg.progress('terminated', 'cancel')]);
});

test('race: a hello after termination gets hello/terminated with the stored reason, then is closed', async () => {
  const h = harness();
  await h.createCall();
  const caller = await h.join('caller');
  await h.join('callee');
  await caller.say({ messageType: 'action', event: 'terminate', reason: 'busy' });
  const late = await h.join('callee');
  assert.deepEqual(late.take(), [msg.hello('terminated', 'busy')]);
  assert.ok(late.closed);
  // Its close changes nothing more: the call stays terminated with its reason.
  const call = await h.store.get(CALL_ID);
  assert.deepEqual([call?.markers, call?.reason, call?.devices], [[], 'busy', { caller: 0, callee: 0 }]);
});

test('a hello on a terminated call without a stored reason carries no reason', async () => {
  const h = harness();
  await h.createCall();
  await h.store.terminate(CALL_ID);
  const s = await h.join('caller');
  assert.deepEqual(s.take(), [msg.hello('terminated')]);
});

test('a second hello on the same socket reports the state and counts nothing twice', async () => {
  const h = harness();
  await h.createCall();
  const caller = await h.join('caller');
  await caller.say({ messageType: 'hello', callId: 'whatever', auth: 'ignored' });
  assert.deepEqual(caller.take(), [msg.hello('init'), msg.hello('init')]);
  assert.deepEqual((await h.store.get(CALL_ID))?.devices, { caller: 1, callee: 0 });
  assert.equal(h.time.pendingCount, 1); // one supervisory timer
});

test('frames are handled in order: an accept sent right after hello sees the hello done', async () => {
  const h = harness();
  await h.createCall();
  const caller = await h.join('caller');
  const callee = h.connect();
  void callee.session.receive(JSON.stringify({ messageType: 'hello', callId: CALL_ID, auth: CALLEE_TOKEN }));
  await callee.say({ messageType: 'action', event: 'accept' });
  assert.deepEqual(callee.take(), [msg.hello('init'), msg.progress('alerting'), msg.progress('connecting')]);
  assert.deepEqual(caller.take(), [msg.hello('init'), msg.progress('alerting'), msg.progress('connecting')]);
});

test('a store failure answers "Service Unavailable", closes, and is reported', async () => {
  const h = harness({ wrapStore: (store) => failing(store, 'join') });
  await h.createCall();
  const s = h.connect();
  await s.say({ messageType: 'hello', callId: CALL_ID, auth: CALLER_TOKEN });
  assert.deepEqual(s.take(), [msg.error('Service Unavailable')]);
  assert.ok(s.closed);
  assert.equal((h.errors[0] as Error).message, 'join failed');
});

test('frames after close are ignored', async () => {
  const h = harness();
  const s = h.connect();
  await s.hangUp();
  await s.say({ messageType: 'echo', echo: 1 });
  await settle();
  assert.deepEqual(s.take(), []);
});

test('frames may come as the ArrayBuffer uWS hands over', async () => {
  const h = harness();
  await h.createCall();
  const s = h.connect();
  const bytes = new TextEncoder().encode(JSON.stringify({ messageType: 'hello', callId: CALL_ID, auth: CALLER_TOKEN }));
  await s.session.receive(bytes.buffer);
  await settle();
  assert.deepEqual(s.take(), [msg.hello('init')]);
  assert.equal(s.session.role, 'caller');
});
