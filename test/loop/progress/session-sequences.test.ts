import assert from 'node:assert/strict';
import { test } from 'node:test';
import { action, CALL_ID, CALLEE_TOKEN, harness, msg, settle } from './harness.ts';

// The typical sequences of loop-v1.md §12.13, end to end through the sessions.

test('success: hello, hello, alerting, accept, media-up ×2, connected, both closed', async () => {
  const h = harness();
  await h.createCall();
  const caller = await h.join('caller');
  const callee = await h.join('callee');
  await callee.say(action('accept'));
  await caller.say(action('media-up'));
  await callee.say(action('media-up'));
  const seen = ['connecting', 'half-connected', 'connected'].map((s) => msg.progress(s));
  assert.deepEqual(caller.take(), [msg.hello('init'), msg.progress('alerting'), ...seen]);
  assert.deepEqual(callee.take(), [msg.hello('init'), msg.progress('alerting'), ...seen]);
  assert.deepEqual([caller.closedWith?.code, callee.closedWith?.code], [1000, 1000]);
  assert.equal(h.time.pendingCount, 0);
});

test('decline: callee terminate reject → both progress/terminated/reject, both closed', async () => {
  const h = harness();
  await h.createCall();
  const caller = await h.join('caller');
  const callee = await h.join('callee');
  await callee.say(action('terminate', 'reject'));
  assert.deepEqual(caller.take().at(-1), msg.progress('terminated', 'reject'));
  assert.deepEqual(callee.take().at(-1), msg.progress('terminated', 'reject'));
  assert.ok(caller.closed && callee.closed);
});

test('no answer: 30 s after alerting both get progress/terminated/timeout', async () => {
  const h = harness();
  await h.createCall();
  const caller = await h.join('caller');
  const callee = await h.join('callee');
  await h.advance(30_000);
  assert.deepEqual(caller.take().at(-1), msg.progress('terminated', 'timeout'));
  assert.deepEqual(callee.take().at(-1), msg.progress('terminated', 'timeout'));
});

test('callee never connects: the caller alone gets progress/terminated/timeout after 10 s', async () => {
  const h = harness();
  await h.createCall();
  const caller = await h.join('caller');
  await h.advance(10_000);
  assert.deepEqual(caller.take(), [msg.hello('init'), msg.progress('terminated', 'timeout')]);
});

test('two callee devices: A accepts, B gets answered-elsewhere and is closed, the call goes on to connected', async () => {
  const h = harness();
  await h.createCall();
  const caller = await h.join('caller');
  const a = await h.join('callee');
  const b = await h.join('callee');
  caller.take();
  a.take();
  b.take();
  await a.say(action('accept'));
  assert.deepEqual(caller.take(), [msg.progress('connecting')]);
  assert.deepEqual(a.take(), [msg.progress('connecting')]);
  assert.deepEqual(b.take(), [msg.progress('terminated', 'answered-elsewhere')]);
  assert.ok(b.closed && !a.closed && !caller.closed);
  const mid = await h.store.get(CALL_ID);
  assert.deepEqual([mid?.markers.length, mid?.devices], [4, { caller: 1, callee: 1 }]); // still connecting
  await caller.say(action('media-up'));
  await a.say(action('media-up'));
  assert.deepEqual(caller.take(), [msg.progress('half-connected'), msg.progress('connected')]);
  assert.deepEqual(a.take(), [msg.progress('half-connected'), msg.progress('connected')]);
  assert.deepEqual(b.take(), []);
});

test('race: two callee devices accept at once: exactly one wins, the other is let go, the call goes on', async () => {
  const h = harness();
  await h.createCall();
  const caller = await h.join('caller');
  const a = await h.join('callee');
  const b = await h.join('callee');
  [caller, a, b].forEach((s) => s.take());
  await Promise.all([a.session.receive(JSON.stringify(action('accept'))), b.session.receive(JSON.stringify(action('accept')))]);
  await settle();
  assert.deepEqual(a.take(), [msg.progress('connecting')]);
  const toB = b.take();
  assert.equal(toB.length, 1);
  assert.ok(
    [msg.progress('terminated', 'answered-elsewhere'), msg.error('No transition from connecting state with accept event.')]
      .some((m) => JSON.stringify(m) === JSON.stringify(toB[0])),
    JSON.stringify(toB),
  );
  assert.ok(b.closed && !a.closed);
  assert.deepEqual(caller.take(), [msg.progress('connecting')]);
  // caller: supervisory; a: supervisory, ringing, connection; b's were cancelled with its socket.
  assert.equal(h.time.pendingCount, 4);
  assert.deepEqual((await h.store.get(CALL_ID))?.devices, { caller: 1, callee: 1 });
});

test('the hello reply reaches the socket before the alerting it causes', async () => {
  const h = harness();
  await h.createCall();
  await h.join('caller');
  const callee = h.connect();
  await callee.say({ messageType: 'hello', callId: CALL_ID, auth: CALLEE_TOKEN });
  assert.deepEqual(callee.take(), [msg.hello('init'), msg.progress('alerting')]);
});
