import assert from 'node:assert/strict';
import { test } from 'node:test';
import { action, CALL_ID, failing, harness, msg, type FakeSocket, type Harness } from './harness.ts';

/** A call in `alerting` with one caller and one callee socket, their messages so far taken. */
async function alerting(h?: Harness): Promise<{ h: Harness; caller: FakeSocket; callee: FakeSocket }> {
  if (!h) {
    h = harness();
    await h.createCall();
  }
  const caller = await h.join('caller');
  const callee = await h.join('callee');
  caller.take();
  callee.take();
  return { h, caller, callee };
}

for (const event of ['accept', 'media-up', 'terminate']) {
  test(`${event} before hello → callId should not be undefined, then close`, async () => {
    const h = harness();
    await h.createCall();
    const s = h.connect();
    await s.say(action(event));
    assert.deepEqual(s.take(), [msg.error('callId should not be undefined')]);
    assert.ok(s.closed);
    assert.deepEqual((await h.store.get(CALL_ID))?.markers, ['init']);
  });
}

for (const [frame, reason] of [
  [{ messageType: 'action' }, 'Missing parameters: event'],
  [action('ring'), 'ring state is invalid. Should be one of: accept, media-up, terminate'],
  [action('terminate', 't#is'), 'Invalid reason: should be alphanumeric'],
] as const) {
  test(`invalid action → ${reason}; the call ends for the other side as this was the last caller`, async () => {
    const { h, caller, callee } = await alerting();
    await caller.say(frame);
    assert.deepEqual(caller.take(), [msg.error(reason)]);
    assert.ok(caller.closed);
    assert.deepEqual(callee.take(), [msg.progress('terminated', 'closed')]);
    assert.equal((await h.store.get(CALL_ID))?.reason, 'closed');
  });
}

test('media-up in alerting → No transition error, close, and the callee gets terminated/closed', async () => {
  const { caller, callee } = await alerting();
  await caller.say(action('media-up'));
  assert.deepEqual(caller.take(), [msg.error('No transition from alerting state with media-up event.')]);
  assert.ok(caller.closed);
  assert.deepEqual(callee.take(), [msg.progress('terminated', 'closed')]);
  assert.ok(callee.closed);
});

test('accept before alerting → No transition, naming the internal state as the original did', async () => {
  const h = harness();
  await h.createCall();
  const callee = await h.join('callee');
  await callee.say(action('accept'));
  assert.deepEqual(callee.take(), [msg.hello('init'), msg.error('No transition from half-initiated state with accept event.')]);
});

test('accept from a caller socket is refused (allowed by §12.6)', async () => {
  const { caller, callee } = await alerting();
  await caller.say(action('accept'));
  assert.deepEqual(caller.take(), [msg.error('No transition from alerting state with accept event.')]);
  assert.deepEqual(callee.take(), [msg.progress('terminated', 'closed')]);
});

test('accept → connecting; media-up → half-connected; media-up → connected; both closed, call ends terminated/closed', async () => {
  const { h, caller, callee } = await alerting();
  await callee.say(action('accept'));
  assert.deepEqual(callee.take(), [msg.progress('connecting')]);
  assert.deepEqual(caller.take(), [msg.progress('connecting')]);
  await caller.say(action('media-up'));
  assert.deepEqual(callee.take(), [msg.progress('half-connected')]);
  assert.deepEqual(caller.take(), [msg.progress('half-connected')]);
  await callee.say(action('media-up'));
  assert.deepEqual(callee.take(), [msg.progress('connected')]);
  assert.deepEqual(caller.take(), [msg.progress('connected')]);
  assert.ok(caller.closed && callee.closed);
  const call = await h.store.get(CALL_ID);
  assert.deepEqual([call?.markers, call?.reason, call?.devices], [[], 'closed', { caller: 0, callee: 0 }]);
  assert.equal(h.time.pendingCount, 0);
  assert.deepEqual([...caller.misuse, ...callee.misuse], []);
});

test('a second media-up from the same side sends nothing to anyone', async () => {
  const { h, caller, callee } = await alerting();
  await callee.say(action('accept'));
  await caller.say(action('media-up'));
  caller.take();
  callee.take();
  await caller.say(action('media-up'));
  assert.deepEqual(caller.take(), []);
  assert.deepEqual(callee.take(), []);
  assert.ok(!caller.closed && !callee.closed);
  assert.equal((await h.store.get(CALL_ID))?.markers.length, 5);
});

test('media-up in connecting from the callee first also works', async () => {
  const { caller, callee } = await alerting();
  await callee.say(action('accept'));
  await callee.say(action('media-up'));
  await caller.say(action('media-up'));
  assert.deepEqual(caller.take(), [msg.progress('connecting'), msg.progress('half-connected'), msg.progress('connected')]);
});

test('terminate with a reason → both get progress/terminated with it and are closed', async () => {
  const { h, caller, callee } = await alerting();
  await callee.say(action('terminate', 'busy'));
  assert.deepEqual(callee.take(), [msg.progress('terminated', 'busy')]);
  assert.deepEqual(caller.take(), [msg.progress('terminated', 'busy')]);
  assert.ok(caller.closed && callee.closed);
  assert.equal((await h.store.get(CALL_ID))?.reason, 'busy');
});

test('unknown reason words are copied verbatim', async () => {
  const { caller, callee } = await alerting();
  await caller.say(action('terminate', 'Gone-Fishing-42'));
  assert.deepEqual(callee.take(), [msg.progress('terminated', 'Gone-Fishing-42')]);
});

test('terminate without a reason: broadcast without one, an earlier stored reason stays', async () => {
  const { h, caller, callee } = await alerting();
  await h.store.terminate(CALL_ID, 'media-fail'); // e.g. from another node, broadcast not seen yet
  await caller.say(action('terminate'));
  assert.deepEqual(callee.take(), [msg.progress('terminated')]);
  assert.equal((await h.store.get(CALL_ID))?.reason, 'media-fail');
});

test('terminate in init (callee alone) ends the call', async () => {
  const h = harness();
  await h.createCall();
  const callee = await h.join('callee');
  await callee.say(action('terminate', 'reject'));
  assert.deepEqual(callee.take(), [msg.hello('init'), msg.progress('terminated', 'reject')]);
  const caller = await h.join('caller');
  assert.deepEqual(caller.take(), [msg.hello('terminated', 'reject')]);
});

test('an action on a call that expired meanwhile: No transition from terminated', async () => {
  const h = harness();
  await h.createCall();
  await h.advance(35_000);
  const { callee } = await alerting(h); // joined at 35 s: its ringing timer would fire at 65 s
  await h.advance(25_000); // the call expires at 60 s
  assert.equal(await h.store.get(CALL_ID), undefined);
  await callee.say(action('accept'));
  assert.deepEqual(callee.take(), [msg.error('No transition from terminated state with accept event.')]);
});

test('a store failure during an action answers Service Unavailable and closes', async () => {
  const h0 = harness({ wrapStore: (s) => failing(s, 'addMarker', 2) });
  await h0.createCall();
  const { h, callee } = await alerting(h0);
  await callee.say(action('accept'));
  assert.deepEqual(callee.take(), [msg.error('Service Unavailable')]);
  assert.ok(callee.closed);
  assert.equal(h.errors.length, 1);
});

test('terminate in half-connected (media failed on one side) ends the call for both', async () => {
  const { h, caller, callee } = await alerting();
  await callee.say(action('accept'));
  await callee.say(action('media-up'));
  caller.take();
  callee.take();
  await caller.say(action('terminate', 'media-fail'));
  assert.deepEqual(caller.take(), [msg.progress('terminated', 'media-fail')]);
  assert.deepEqual(callee.take(), [msg.progress('terminated', 'media-fail')]);
  assert.equal((await h.store.get(CALL_ID))?.reason, 'media-fail');
  assert.equal(h.time.pendingCount, 0);
});
