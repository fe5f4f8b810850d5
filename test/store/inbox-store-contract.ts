import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Clock } from '../../src/clock.ts';
import { isInFlight, type InFlight, type InboxEvent, type InboxStore, type StoreStats, type StoredMessage } from '../../src/store/inbox.ts';
import { FakeTime } from '../helpers/fake-time.ts';

export const TTL = 60_000;

/** How a backend under test is built: the contract gives the limits and the clock. */
export type InboxStoreFactory = (o: {
  inboxTtlMs: number; inboxCapacity: number; maxInboxes: number; maxQueuedBytes: number; clock: Clock;
}) => InboxStore;

export const msg = (text: string, from = 'bob'): StoredMessage => ({ from, contentType: 'text/plain', body: Buffer.from(text) });
/** What a take answered, when it is a message or nothing: nothing is in flight in these cases. */
export function message(taken: StoredMessage | InFlight | string | undefined): StoredMessage | undefined {
  assert.ok(typeof taken !== 'string', `a message or nothing, not '${taken}'`);
  assert.ok(taken === undefined || !isInFlight(taken), 'no message in flight');
  return taken;
}
export const text = (taken: StoredMessage | InFlight | string | undefined) => {
  const m = message(taken);
  return m ? Buffer.from(m.body).toString() : undefined;
};
/** The stats without the byte count, for tests that count inboxes and messages only. */
export const counts = (s: StoreStats) => ({ inboxes: s.inboxes, messages: s.messages });

/**
 * Resolves once every event of what the store has done so far reached its
 * watchers, and every watch made so far is in force (a networked store
 * delivers them later; the memory one at once, so it needs none).
 */
export type EventSettler = (store: InboxStore) => Promise<void>;

/**
 * The behaviour every InboxStore backend must have (memory now, Redis later):
 * one suite, run by each backend's test file with its own factory.
 */
export function inboxStoreContract(backend: string, make: InboxStoreFactory, settleEvents: EventSettler = async () => {}): void {
  function setup(o: { capacity?: number; maxInboxes?: number; maxQueuedBytes?: number; clock?: Clock } = {}) {
    const time = new FakeTime();
    const store = make({
      inboxTtlMs: TTL, inboxCapacity: o.capacity ?? 100, maxInboxes: o.maxInboxes ?? 1000,
      maxQueuedBytes: o.maxQueuedBytes ?? 1 << 30, clock: o.clock ?? time,
    });
    const events: InboxEvent[] = [];
    // The inboxes the cases below look at; a watcher hears its own inbox only (one case checks that).
    for (const name of ['a', 'b', 'c']) store.watch(name, (e) => events.push(e));
    return { time, store, events, settle: () => settleEvents(store) };
  }

  test(`${backend}: open creates, then checks the secret; wrong secret does not replace it`, async () => {
    const { store } = setup();
    assert.equal(await store.open('a', 's1', true), 'created');
    assert.equal(await store.open('a', 's1', true), 'ok');
    assert.equal(await store.open('a', 's2', true), 'wrong-password');
    assert.equal(await store.open('a', 's1', false), 'ok');
    assert.equal(await store.open('a', 's1x', false), 'wrong-password'); // different length
  });

  test(`${backend}: creation counts as a touch; touch=true restarts the TTL, touch=false does not`, async () => {
    const { store, time } = setup();
    await store.open('a', 's', true);
    await store.open('b', 's', true);
    time.advance(TTL - 10);
    await store.open('a', 's', true); // a: expires at 2*TTL-10
    await store.open('b', 's', false); // b: still at TTL
    time.advance(9);
    assert.equal(await store.exists('b'), true);
    time.advance(1);
    assert.equal(await store.exists('b'), false);
    assert.equal(await store.exists('a'), true);
    time.advance(TTL - 11);
    assert.equal(await store.exists('a'), true);
    time.advance(1);
    assert.equal(await store.exists('a'), false);
  });

  test(`${backend}: sending does not extend the recipient's life`, async () => {
    const { store, time } = setup();
    await store.open('a', 's', true);
    time.advance(TTL - 1);
    assert.equal(await store.send('a', msg('x')), 'ok');
    time.advance(1);
    assert.equal(await store.send('a', msg('y')), 'no-inbox');
  });

  test(`${backend}: read-time expiry: an expired inbox is gone before any sweep, with its queue; the name is free`, async () => {
    const { store, time, events, settle } = setup();
    await settle(); // the watchers listen before anything happens
    await store.open('a', 'old', true);
    await store.send('a', msg('1'));
    await store.send('a', msg('2'));
    assert.deepEqual(counts(await store.stats()), { inboxes: 1, messages: 2 });
    time.advance(TTL);
    assert.equal(await store.exists('a'), false);
    assert.deepEqual(counts(await store.stats()), { inboxes: 0, messages: 0 });
    await settle();
    assert.deepEqual(events.at(-1), { type: 'gone', name: 'a', reason: 'expired' });
    assert.equal(await store.open('a', 'new', true), 'created');
    assert.equal(await store.take('a'), undefined);
  });

  test(`${backend}: FIFO: take returns messages in the order they were sent; empty gives undefined`, async () => {
    const { store } = setup();
    await store.open('a', 's', true);
    for (const t of ['1', '2', '3']) await store.send('a', msg(t));
    assert.equal(text(await store.take('a')), '1');
    assert.equal(text(await store.take('a')), '2');
    assert.equal(text(await store.take('a')), '3');
    assert.equal(await store.take('a'), undefined);
    assert.equal(await store.take('nobody'), undefined);
    assert.deepEqual(counts(await store.stats()), { inboxes: 1, messages: 0 });
  });

  test(`${backend}: bodies are bytes: every byte value comes back as sent, and later changes to the sender's buffer change nothing`, async () => {
    const { store } = setup();
    await store.open('a', 's', true);
    const body = Uint8Array.from({ length: 256 }, (_, i) => 255 - i);
    assert.equal(await store.send('a', { from: 'bob', contentType: 'application/octet-stream', body }), 'ok');
    const sent = [...body];
    body.fill(0);
    const taken = message(await store.take('a'))!;
    assert.deepEqual([...taken.body], sent);
    assert.deepEqual(await store.stats(), { inboxes: 1, messages: 0, bytes: 0 });
  });

  test(`${backend}: giveBack puts the message back at the head and announces it`, async () => {
    const { store, events, settle } = setup();
    await settle(); // the watchers listen before anything happens
    await store.open('a', 's', true);
    await store.send('a', msg('1'));
    await store.send('a', msg('2'));
    const first = message(await store.take('a'));
    await settle();
    events.length = 0;
    await store.giveBack('a', first!);
    await settle();
    assert.deepEqual(events, [{ type: 'message', name: 'a' }]);
    assert.equal(text(await store.take('a')), '1');
    assert.equal(text(await store.take('a')), '2');
    // into an empty queue too
    await store.giveBack('a', msg('3'));
    assert.equal(text(await store.take('a')), '3');
    assert.deepEqual(counts(await store.stats()), { inboxes: 1, messages: 0 });
  });

  test(`${backend}: giveBack to a gone inbox drops the message (its queue went with it)`, async () => {
    const { store } = setup();
    await store.open('a', 's', true);
    await store.send('a', msg('1'));
    const m = message(await store.take('a'));
    await store.remove('a', 's');
    await store.giveBack('a', m!);
    assert.deepEqual(counts(await store.stats()), { inboxes: 0, messages: 0 });
  });

  test(`${backend}: capacity: the queue refuses past inboxCapacity, keeps what it has, accepts again after a take`, async () => {
    const { store } = setup({ capacity: 3 });
    await store.open('a', 's', true);
    for (const t of ['1', '2', '3']) assert.equal(await store.send('a', msg(t)), 'ok');
    assert.equal(await store.send('a', msg('4')), 'queue-full');
    assert.deepEqual(counts(await store.stats()), { inboxes: 1, messages: 3 });
    const m = message(await store.take('a'));
    assert.equal(await store.send('a', msg('4')), 'ok');
    // giveBack is never refused, even when that goes past capacity
    await store.giveBack('a', m!);
    assert.deepEqual(counts(await store.stats()), { inboxes: 1, messages: 4 });
    const got = [];
    for (let i = 0; i < 4; i++) got.push(text(await store.take('a')));
    assert.deepEqual(got, ['1', '2', '3', '4']);
  });

  test(`${backend}: maxQueuedBytes: a send past the budget is over-budget, nothing queued is dropped, room comes back on take`, async () => {
    const { store, events, settle } = setup({ maxQueuedBytes: 10 });
    await settle(); // the watchers listen before anything happens
    await store.open('a', 's', true);
    await store.open('b', 's', true);
    assert.equal(await store.send('a', msg('1234')), 'ok');
    assert.equal(await store.send('b', msg('12345')), 'ok');
    assert.equal((await store.stats()).bytes, 9);
    await settle();
    events.length = 0;
    assert.equal(await store.send('a', msg('xy')), 'over-budget'); // 11 > 10
    await settle();
    assert.deepEqual(events, [], 'a refused send announces nothing');
    assert.equal(await store.send('b', msg('z')), 'ok'); // exactly 10 fits
    assert.deepEqual(await store.stats(), { inboxes: 2, messages: 3, bytes: 10 });
    assert.equal(await store.send('a', msg('z')), 'over-budget');
    assert.equal(text(await store.take('a')), '1234');
    assert.equal((await store.stats()).bytes, 6);
    assert.equal(await store.send('a', msg('abcd')), 'ok');
    assert.deepEqual([text(await store.take('b')), text(await store.take('b'))], ['12345', 'z']);
    assert.equal(text(await store.take('a')), 'abcd');
    assert.deepEqual(await store.stats(), { inboxes: 2, messages: 0, bytes: 0 });
  });

  test(`${backend}: maxQueuedBytes: giveBack is never refused; the count follows take and giveBack exactly`, async () => {
    const { store } = setup({ maxQueuedBytes: 8 });
    await store.open('a', 's', true);
    assert.equal(await store.send('a', msg('1234')), 'ok');
    const m = message(await store.take('a'));
    assert.equal(await store.send('a', msg('5678')), 'ok');
    assert.equal(await store.send('a', msg('9abc')), 'ok'); // 8: full
    await store.giveBack('a', m!); // 12 > 8, still accepted
    assert.deepEqual(await store.stats(), { inboxes: 1, messages: 3, bytes: 12 });
    assert.equal(await store.send('a', msg('x')), 'over-budget');
    assert.deepEqual([text(await store.take('a')), text(await store.take('a')), text(await store.take('a'))], ['1234', '5678', '9abc']);
    assert.equal((await store.stats()).bytes, 0);
    assert.equal(await store.send('a', msg('x')), 'ok');
  });

  test(`${backend}: maxQueuedBytes: bytes go with an inbox that is deleted, expires at read time, or is swept`, async () => {
    const { store, time } = setup({ maxQueuedBytes: 100 });
    await store.open('deleted', 's', true);
    await store.open('read-expired', 's', true);
    await store.open('swept', 's', true);
    time.advance(1);
    await store.open('kept', 's', true);
    await store.send('deleted', msg('x'.repeat(10)));
    await store.send('read-expired', msg('x'.repeat(20)));
    await store.send('read-expired', msg('x'.repeat(5)));
    await store.send('swept', msg('x'.repeat(30)));
    await store.send('kept', msg('x'.repeat(7)));
    assert.equal((await store.stats()).bytes, 72);
    assert.equal(await store.send('kept', msg('x'.repeat(29))), 'over-budget');
    assert.equal(await store.remove('deleted', 's'), 'ok');
    assert.equal((await store.stats()).bytes, 62);
    time.advance(TTL - 1); // all but 'kept' expired
    assert.equal(await store.exists('read-expired'), false);
    assert.equal((await store.stats()).bytes, 37);
    assert.equal(await store.sweep(), 1);
    assert.deepEqual(await store.stats(), { inboxes: 1, messages: 1, bytes: 7 });
    assert.equal(await store.send('kept', msg('x'.repeat(93))), 'ok');
    assert.equal((await store.stats()).bytes, 100);
  });

  test(`${backend}: maxQueuedBytes: a full queue is reported as queue-full before the byte budget`, async () => {
    const { store } = setup({ capacity: 1, maxQueuedBytes: 4 });
    await store.open('a', 's', true);
    assert.equal(await store.send('a', msg('1234')), 'ok');
    assert.equal(await store.send('a', msg('5')), 'queue-full');
  });

  test(`${backend}: send to a missing inbox is no-inbox; events announce messages`, async () => {
    const { store, events, settle } = setup();
    await settle(); // the watchers listen before anything happens
    assert.equal(await store.send('nobody', msg('x')), 'no-inbox');
    await store.open('a', 's', true);
    await store.send('a', msg('x'));
    await settle();
    assert.deepEqual(events, [{ type: 'message', name: 'a' }]);
  });

  test(`${backend}: remove: ok with the secret (queue dropped, gone event), wrong-password, no-inbox`, async () => {
    const { store, events, settle } = setup();
    await settle(); // the watchers listen before anything happens
    await store.open('a', 's', true);
    await store.send('a', msg('x'));
    assert.equal(await store.remove('a', 'bad'), 'wrong-password');
    assert.equal(await store.remove('b', 's'), 'no-inbox');
    assert.equal(await store.remove('a', 's'), 'ok');
    await settle();
    assert.deepEqual(events.at(-1), { type: 'gone', name: 'a', reason: 'deleted' });
    assert.deepEqual(counts(await store.stats()), { inboxes: 0, messages: 0 });
    assert.equal(await store.remove('a', 's'), 'no-inbox');
  });

  test(`${backend}: sweep drops expired inboxes in expiry order and returns how many went`, async () => {
    const { store, time, events, settle } = setup();
    await settle(); // the watchers listen before anything happens
    await store.open('a', 's', true); // t=0
    time.advance(10);
    await store.open('b', 's', true); // t=10
    time.advance(10);
    await store.open('c', 's', true); // t=20
    time.advance(10);
    await store.open('a', 's', true); // t=30: a now expires last
    await settle();
    events.length = 0;
    time.advance(TTL - 20); // t=TTL+10: b expired (at TTL+10), c not yet, a not yet
    assert.equal(await store.sweep(), 1);
    await settle();
    assert.deepEqual(events, [{ type: 'gone', name: 'b', reason: 'expired' }]);
    time.advance(10);
    assert.equal(await store.sweep(), 1); // c
    time.advance(9);
    assert.equal(await store.sweep(), 0);
    time.advance(1);
    assert.equal(await store.sweep(), 1); // a
    await settle();
    assert.deepEqual(events.map((e) => e.name), ['b', 'c', 'a']);
    assert.deepEqual(counts(await store.stats()), { inboxes: 0, messages: 0 });
  });

  test(`${backend}: sweep drops on time an inbox whose claim lapsed without an unclaim, even behind inboxes made later`, async () => {
    const { store, time } = setup();
    await store.open('b', 's', true); // t=0
    await store.claim('b', 30_000); // its reader's node dies: b expires at 30 s + TTL
    time.advance(31_500);
    await store.open('a', 's', true); // expires at 31.5 s + TTL
    time.advance(500);
    await store.sweep(); // b's lease is over, and it has not expired
    time.advance(30_000 + TTL - 32_000);
    assert.equal(await store.sweep(), 1, 'b, at 30 s + TTL');
    assert.equal(await store.exists('a'), true);
    assert.deepEqual(counts(await store.stats()), { inboxes: 1, messages: 0 });
  });

  test(`${backend}: an inbox claimed before others were made, its lease lapsed but its TTL not, does not keep them from the sweep`, async () => {
    const { store, time } = setup();
    await store.open('held', 's', true); // t=0
    assert.notEqual(await store.claim('held', TTL / 2), undefined); // expires TTL after the lease: 1.5 TTL
    await store.open('later', 's', true); // t=0: expires at TTL
    time.advance(TTL); // the lease has lapsed (its holder died); 'held' lives on, 'later' is expired
    assert.equal(await store.sweep(), 1);
    assert.deepEqual(counts(await store.stats()), { inboxes: 1, messages: 0 });
    assert.equal(await store.exists('held'), true);
    time.advance(TTL / 2);
    assert.equal(await store.sweep(), 1);
    assert.deepEqual(counts(await store.stats()), { inboxes: 0, messages: 0 });
  });

  test(`${backend}: sweep over many inboxes drops only the expired prefix`, async () => {
    const { store, time } = setup({ maxInboxes: 20_000 });
    for (let i = 0; i < 10; i++) await store.open(`old${i}`, 's', true);
    time.advance(1);
    for (let i = 0; i < 10_000; i++) await store.open(`new${i}`, 's', true);
    time.advance(TTL - 1);
    assert.equal(await store.sweep(), 10);
    assert.deepEqual(counts(await store.stats()), { inboxes: 10_000, messages: 0 });
    assert.equal(await store.sweep(), 0);
  });

  test(`${backend}: a claim keeps an inbox alive while its lease runs (renewed); the TTL restarts at unclaim`, async () => {
    const { store, time } = setup();
    await store.open('a', 's', true);
    await store.send('a', msg('kept'));
    const epoch = (await store.claim('a', TTL))!;
    for (let i = 0; i < 3; i++) {
      time.advance(TTL - 1);
      assert.equal(await store.renew('a', epoch, TTL), true);
    }
    assert.equal(await store.sweep(), 0);
    assert.equal(await store.exists('a'), true);
    assert.equal(await store.open('a', 'other', false), 'wrong-password');
    await store.unclaim('a', epoch);
    time.advance(TTL - 1);
    assert.equal(await store.sweep(), 0);
    assert.equal(text(await store.take('a')), 'kept');
    time.advance(1);
    assert.equal(await store.exists('a'), false);
  });

  test(`${backend}: a claim whose holder vanished (no renew, no unclaim) lets the inbox expire one TTL after the lease`, async () => {
    const { store, time, events, settle } = setup();
    await settle(); // the watchers listen before anything happens
    await store.open('a', 's', true);
    await store.claim('a', 5_000);
    time.advance(5_000 + TTL - 1);
    assert.equal(await store.exists('a'), true);
    time.advance(1);
    assert.equal(await store.exists('a'), false);
    await settle();
    assert.deepEqual(events.at(-1), { type: 'gone', name: 'a', reason: 'expired' });
  });

  test(`${backend}: take under a claim takes only while that claim is the current one`, async () => {
    const { store } = setup();
    await store.open('a', 's', true);
    await store.send('a', msg('1'));
    await store.send('a', msg('2'));
    const older = (await store.claim('a', 1_000))!;
    const first = message(await store.take('a', older));
    assert.equal(text(first), '1');
    const newer = (await store.claim('a', 1_000))!;
    assert.equal(await store.take('a', older), undefined, 'a replaced reader takes nothing');
    await store.unclaim('a', older, first?.held); // its node lets go of the claim and of the message it handed over
    const second = message(await store.take('a', newer));
    assert.equal(text(second), '2', 'the message stayed for the current reader');
    await store.send('a', msg('3'));
    assert.equal(await store.open('a', 's', true, true), 'ok'); // a one-shot read takes over: no claim is current
    assert.equal(await store.take('a', newer, second?.held), undefined);
    assert.equal(text(await store.take('a')), '3', 'without an epoch, take does not look at claims');
  });

  test(`${backend}: each claim gets a higher epoch and announces it; an older claim can neither renew nor unclaim`, async () => {
    const { store, time, events, settle } = setup();
    await settle(); // the watchers listen before anything happens
    await store.open('a', 's', true);
    const first = (await store.claim('a', 1_000))!;
    const second = (await store.claim('a', 1_000))!;
    assert.ok(second > first);
    await settle();
    assert.deepEqual(events.filter((e) => e.type === 'replaced'), [
      { type: 'replaced', name: 'a', epoch: first }, { type: 'replaced', name: 'a', epoch: second },
    ]);
    assert.equal(await store.renew('a', first, 1_000), false);
    await store.unclaim('a', first); // changes nothing: the second claim still holds the inbox
    time.advance(TTL + 500);
    assert.equal(await store.exists('a'), true, 'still within the second lease plus the TTL');
    assert.equal(await store.renew('a', second, 1_000), true);
    // a new inbox of the same name (after a delete) never reuses an epoch
    assert.equal(await store.remove('a', 's'), 'ok');
    await store.open('a', 's', true);
    assert.ok((await store.claim('a', 1_000))! > second);
  });

  test(`${backend}: open with takeOver ends the current claim with a newer epoch; without a claim it announces nothing`, async () => {
    const { store, events, settle } = setup();
    await settle(); // the watchers listen before anything happens
    await store.open('a', 's', true);
    assert.equal(await store.open('a', 's', true, true), 'ok');
    await settle();
    assert.deepEqual(events.filter((e) => e.type === 'replaced'), [], 'no claim, nothing to end');
    const held = (await store.claim('a', 1_000))!;
    assert.equal(await store.open('a', 'wrong', true, true), 'wrong-password');
    assert.equal(await store.renew('a', held, 1_000), true, 'a refused open takes nothing over');
    assert.equal(await store.open('a', 's', true, true), 'ok');
    await settle();
    const replaced = events.filter((e) => e.type === 'replaced').at(-1);
    assert.ok(replaced?.type === 'replaced' && replaced.epoch > held);
    assert.equal(await store.renew('a', held, 1_000), false, 'the claim is gone');
    assert.ok((await store.claim('a', 1_000))! > (replaced as { epoch: number }).epoch, 'epochs keep growing');
  });

  test(`${backend}: sendFrom checks the sender's inbox and secret, then sends; it creates nothing and touches no one`, async () => {
    const { store, time, events, settle } = setup({ capacity: 1 });
    await settle(); // the watchers listen before anything happens
    await store.open('a', 'sa', true);
    assert.equal(await store.sendFrom('sx', 'a', msg('m', 'x')), 'no-sender', 'no inbox x');
    assert.equal(await store.exists('x'), false, 'nothing created');
    assert.equal(await store.sendFrom('wrong', 'b', msg('m', 'a')), 'wrong-password', 'checked before the recipient');
    assert.equal(await store.sendFrom('sa', 'b', msg('m', 'a')), 'no-inbox');
    await store.open('b', 'sb', true);
    time.advance(TTL - 1);
    assert.equal(await store.sendFrom('wrong', 'b', msg('no', 'a')), 'wrong-password');
    assert.equal(await store.sendFrom('sa', 'b', msg('yes', 'a')), 'ok');
    assert.equal(await store.sendFrom('sa', 'b', msg('more', 'a')), 'queue-full');
    await settle();
    assert.deepEqual(events.filter((e) => e.type === 'message').map((e) => e.name), ['b']);
    time.advance(1);
    assert.equal(await store.exists('a'), false, "sending does not extend the sender's life");
    assert.equal(await store.exists('b'), false, "nor the recipient's");
    await store.open('c', 'sc', true);
    assert.equal(await store.sendFrom('sc', 'c', msg('self', 'c')), 'ok', 'to its own inbox');
    const got = message(await store.take('c'));
    assert.deepEqual([got?.from, text(got)], ['c', 'self']);
  });

  test(`${backend}: maxQueuedBytes: the bytes of an expired inbox not yet swept do not refuse a send`, async () => {
    const { store, time } = setup({ maxQueuedBytes: 5 });
    await store.open('a', 's', true);
    assert.equal(await store.send('a', msg('1234')), 'ok');
    time.advance(TTL);
    await store.open('b', 's', true);
    assert.equal(await store.send('b', msg('5678')), 'ok', "a's 4 bytes went with a");
    assert.equal(await store.send('b', msg('90')), 'over-budget', 'live bytes still count');
    assert.deepEqual(await store.stats(), { inboxes: 1, messages: 1, bytes: 4 });
  });

  test(`${backend}: sendFrom keeps to maxQueuedBytes as send does`, async () => {
    const { store } = setup({ maxQueuedBytes: 5 });
    await store.open('a', 's', true);
    assert.equal(await store.sendFrom('s', 'a', msg('1234', 'a')), 'ok');
    assert.equal(await store.sendFrom('s', 'a', msg('56', 'a')), 'over-budget');
    assert.equal((await store.stats()).bytes, 4);
  });

  test(`${backend}: readOnce opens (creating, checking the secret, touching) and takes the oldest message`, async () => {
    const { store, time } = setup({ maxInboxes: 2 });
    assert.equal(await store.readOnce('a', 's'), 'created');
    assert.equal(await store.readOnce('a', 's'), 'empty');
    await store.send('a', msg('one'));
    await store.send('a', msg('two', 'carol'));
    assert.equal(await store.readOnce('a', 'wrong'), 'wrong-password');
    const first = message(await store.readOnce('a', 's'));
    assert.ok(typeof first === 'object', 'a message');
    assert.equal(text(first), 'one', 'a wrong secret took nothing; FIFO');
    assert.equal(first.from, 'bob');
    assert.equal(first.contentType, 'text/plain');
    if (first.held !== undefined) await store.release('a', first.held); // it reached its reader (a store that holds)
    assert.deepEqual(counts(await store.stats()), { inboxes: 1, messages: 1 });
    time.advance(TTL - 1);
    const second = await store.readOnce('a', 's'); // touches: the TTL starts again
    assert.equal(typeof second === 'object' ? text(second) : second, 'two');
    assert.equal((await store.stats()).bytes, 0);
    time.advance(TTL - 1);
    assert.equal(await store.exists('a'), true, 'a read restarts the TTL');
    assert.equal(await store.readOnce('b', 's'), 'created');
    assert.equal(await store.readOnce('c', 's'), 'full');
    assert.equal(await store.exists('c'), false);
  });

  test(`${backend}: readOnce ends the current claim with a newer epoch, as open with takeOver does`, async () => {
    const { store, events, settle } = setup();
    await settle(); // the watchers listen before anything happens
    await store.open('a', 's', true);
    assert.equal(await store.readOnce('a', 's'), 'empty');
    await settle();
    assert.deepEqual(events.filter((e) => e.type === 'replaced'), [], 'no claim, nothing to end');
    const held = (await store.claim('a', 1_000))!;
    assert.equal(await store.readOnce('a', 'wrong'), 'wrong-password');
    assert.equal(await store.renew('a', held, 1_000), true, 'a refused read takes nothing over');
    await store.send('a', msg('m'));
    assert.equal(text((await store.readOnce('a', 's')) as StoredMessage), 'm');
    await settle();
    const replaced = events.filter((e) => e.type === 'replaced').at(-1);
    assert.ok(replaced?.type === 'replaced' && replaced.epoch > held);
    assert.equal(await store.renew('a', held, 1_000), false, 'the claim is gone');
  });

  test(`${backend}: claim of a missing inbox is undefined; renew and unclaim of one are harmless`, async () => {
    const { store } = setup();
    assert.equal(await store.claim('ghost', 1_000), undefined);
    assert.equal(await store.renew('ghost', 1, 1_000), false);
    await store.unclaim('ghost', 1);
    assert.deepEqual(counts(await store.stats()), { inboxes: 0, messages: 0 });
    assert.equal(await store.ping(), true);
  });

  test(`${backend}: a watcher hears its own inbox only, until it unwatches`, async () => {
    const { store, settle } = setup();
    const heard: InboxEvent[] = [];
    const unwatch = store.watch('mine', (e) => heard.push(e));
    await settle();
    await store.open('mine', 's', true);
    await store.open('other', 's', true);
    await store.send('other', msg('x'));
    await store.send('mine', msg('y'));
    await settle();
    unwatch();
    await store.send('mine', msg('z'));
    await settle();
    assert.deepEqual(heard, [{ type: 'message', name: 'mine' }]);
  });

  test(`${backend}: a claimed inbox at the front does not stop the sweep from reaching expired ones behind it`, async () => {
    const { store, time } = setup();
    await store.open('reading', 's', true);
    const epoch = (await store.claim('reading', 3 * TTL))!;
    time.advance(1);
    await store.open('idle', 's', true);
    time.advance(TTL);
    assert.equal(await store.sweep(), 1); // idle went, reading stayed
    assert.equal(await store.exists('reading'), true);
    assert.equal(await store.exists('idle'), false);
    // and after its claim ends, the moved inbox is swept in its turn
    await store.unclaim('reading', epoch);
    time.advance(TTL);
    assert.equal(await store.sweep(), 1);
    assert.deepEqual(counts(await store.stats()), { inboxes: 0, messages: 0 });
  });

  test(`${backend}: maxInboxes: a new name is refused when full, existing inboxes are never evicted`, async () => {
    const { store } = setup({ maxInboxes: 2 });
    await store.open('a', 's', true);
    await store.open('b', 's', true);
    await store.send('a', msg('kept'));
    assert.equal(await store.open('c', 's', true), 'full');
    assert.equal(await store.open('a', 's', true), 'ok'); // existing owners still get in
    assert.equal(await store.exists('c'), false);
    assert.equal(text(await store.take('a')), 'kept');
    assert.deepEqual(counts(await store.stats()), { inboxes: 2, messages: 0 });
  });

  test(`${backend}: maxInboxes: expired inboxes are swept before a new name is refused`, async () => {
    const { store, time } = setup({ maxInboxes: 2 });
    await store.open('a', 's', true);
    time.advance(1);
    await store.open('b', 's', true);
    time.advance(TTL - 1); // a expired, b not
    assert.equal(await store.open('c', 's', true), 'created');
    assert.equal(await store.open('d', 's', true), 'full');
    assert.equal(await store.exists('b'), true);
  });

  test(`${backend}: close stops the events`, async () => {
    const { store, events, settle } = setup();
    await settle(); // the watchers listen before anything happens
    await store.open('a', 's', true);
    await store.close();
    await store.send('a', msg('x'));
    await settle();
    assert.deepEqual(events, []);
  });
}
