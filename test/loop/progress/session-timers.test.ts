import assert from 'node:assert/strict';
import { test } from 'node:test';
import { action, CALL_ID, harness, msg } from './harness.ts';

// Defaults: supervisory 10 s, ringing 30 s, connection 10 s; calls live 60 s.

test('supervisory: a caller alone for 10 s gets progress/terminated/timeout and is closed', async () => {
  const h = harness();
  await h.createCall();
  const caller = await h.join('caller');
  caller.take();
  await h.advance(9_999);
  assert.deepEqual(caller.take(), []);
  await h.advance(1);
  assert.deepEqual(caller.take(), [msg.progress('terminated', 'timeout')]);
  assert.ok(caller.closed);
  const call = await h.store.get(CALL_ID);
  assert.deepEqual([call?.markers, call?.reason], [[], 'timeout']);
  assert.equal(h.time.pendingCount, 0);
});

test('supervisory: a callee alone is timed out the same way', async () => {
  const h = harness();
  await h.createCall();
  const callee = await h.join('callee');
  callee.take();
  await h.advance(10_000);
  assert.deepEqual(callee.take(), [msg.progress('terminated', 'timeout')]);
});

test('supervisory: does nothing once the call is alerting', async () => {
  const h = harness();
  await h.createCall();
  const caller = await h.join('caller');
  await h.advance(5_000);
  const callee = await h.join('callee');
  caller.take();
  callee.take();
  await h.advance(15_000); // both supervisory timers have fired by now
  assert.deepEqual([caller.take(), callee.take()], [[], []]);
  assert.equal((await h.store.get(CALL_ID))?.markers.length, 3);
});

test('supervisory: does nothing on a call that was already terminated (elsewhere) or is gone', async () => {
  const h = harness();
  await h.createCall();
  const caller = await h.join('caller');
  caller.take();
  await h.store.terminate(CALL_ID, 'cancel'); // the broadcast has not arrived yet
  await h.advance(10_000);
  assert.deepEqual(caller.take(), []);
  assert.equal((await h.store.get(CALL_ID))?.reason, 'cancel');

  const h2 = harness();
  await h2.createCall();
  await h2.advance(55_000);
  const late = await h2.join('caller');
  late.take();
  await h2.advance(10_000); // the call went at 60 s, the timer fires at 65 s
  assert.deepEqual(late.take(), []);
  assert.equal(await h2.store.get(CALL_ID), undefined);
});

test('ringing: 30 s after the callee hello, a call still alerting ends with timeout for both', async () => {
  const h = harness();
  await h.createCall();
  const callee = await h.join('callee');
  const caller = await h.join('caller');
  caller.take();
  callee.take();
  await h.advance(29_999);
  assert.deepEqual([caller.take(), callee.take()], [[], []]);
  await h.advance(1);
  assert.deepEqual(caller.take(), [msg.progress('terminated', 'timeout')]);
  assert.deepEqual(callee.take(), [msg.progress('terminated', 'timeout')]);
  assert.ok(caller.closed && callee.closed);
});

test('ringing: is not started by a caller hello, nor by a callee hello in alerting', async () => {
  const h = harness();
  await h.createCall();
  await h.join('caller');
  assert.equal(h.time.pendingCount, 1); // supervisory only
  await h.join('callee');
  assert.equal(h.time.pendingCount, 3); // + callee supervisory + ringing
  await h.join('callee');
  assert.equal(h.time.pendingCount, 4); // + supervisory only
});

test('ringing and connection: do nothing once the call is connected', async () => {
  const h = harness();
  await h.createCall();
  const caller = await h.join('caller');
  const callee = await h.join('callee');
  await callee.say(action('accept'));
  await caller.say(action('media-up'));
  caller.take();
  callee.take();
  await h.store.addMarker(CALL_ID, 'connected.callee', ['half-connected']); // connected, broadcast still on its way
  await h.advance(30_000); // connection (10 s) and ringing (30 s) timers both fire: no effect on a connected call
  assert.deepEqual([caller.take(), callee.take()], [[], []]);
  assert.equal((await h.store.get(CALL_ID))?.markers.length, 6);
});

test('connection: 10 s after accept without media-up on both sides, both get terminated/timeout', async () => {
  const h = harness();
  await h.createCall();
  const caller = await h.join('caller');
  const callee = await h.join('callee');
  await callee.say(action('accept'));
  await caller.say(action('media-up'));
  caller.take();
  callee.take();
  await h.advance(9_999);
  assert.deepEqual([caller.take(), callee.take()], [[], []]);
  await h.advance(1);
  assert.deepEqual(caller.take(), [msg.progress('terminated', 'timeout')]);
  assert.deepEqual(callee.take(), [msg.progress('terminated', 'timeout')]);
});

test('connection: fires in connecting too', async () => {
  const h = harness();
  await h.createCall();
  const caller = await h.join('caller');
  const callee = await h.join('callee');
  await callee.say(action('accept'));
  caller.take();
  await h.advance(10_000);
  assert.deepEqual(caller.take(), [msg.progress('terminated', 'timeout')]);
});

test('race: terminate during connecting ends the call; the connection timer later keeps the reason', async () => {
  const h = harness();
  await h.createCall();
  const caller = await h.join('caller');
  const callee = await h.join('callee');
  await callee.say(action('accept'));
  caller.take();
  callee.take();
  await caller.say(action('terminate', 'cancel'));
  assert.deepEqual(caller.take(), [msg.progress('terminated', 'cancel')]);
  assert.deepEqual(callee.take(), [msg.progress('terminated', 'cancel')]);
  assert.equal(h.time.pendingCount, 0); // closing the sockets cancelled every timer

  // Same race where the accepting socket stays open (the broadcast is still on its way): the
  // timer fires on a terminated call and must not overwrite the reason (the original did).
  const h2 = harness();
  await h2.createCall();
  await h2.join('caller');
  const callee2 = await h2.join('callee');
  await callee2.say(action('accept'));
  callee2.take();
  await h2.store.terminate(CALL_ID, 'media-fail');
  await h2.advance(10_000);
  assert.deepEqual(callee2.take(), []);
  assert.equal((await h2.store.get(CALL_ID))?.reason, 'media-fail');
});

test('timers are cancelled when their socket closes, and only that socket\'s', async () => {
  const h = harness();
  await h.createCall();
  const first = await h.join('callee');
  const second = await h.join('callee');
  assert.equal(h.time.pendingCount, 4); // supervisory + ringing, twice
  first.take();
  await first.hangUp();
  assert.equal(h.time.pendingCount, 2);
  second.take();
  await h.advance(10_000); // the second device's own supervisory timer still runs
  assert.deepEqual(second.take(), [msg.progress('terminated', 'timeout')]);
  assert.deepEqual(first.take(), []);
});

test('fractional short timers (as the conformance tests use) work', async () => {
  const h = harness({ timings: { supervisoryMs: 50, ringingMs: 50, connectionMs: 50 } });
  await h.createCall();
  const caller = await h.join('caller');
  caller.take();
  await h.advance(50);
  assert.deepEqual(caller.take(), [msg.progress('terminated', 'timeout')]);
});
