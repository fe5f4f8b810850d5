// The Redis inbox store holds a taken message in flight for its taker until the taker delivered it
// (release, its next take, its unclaim) or gave it back: until then no other reader takes from that
// inbox, so a message given back is not overtaken by the next one, whichever node each reader is on.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { isInFlight, type InFlight, type InboxEvent, type StoredMessage } from '../../src/store/inbox.ts';
import { RedisInboxStore } from '../../src/store/redis/inbox.ts';
import { HOLD_MS } from '../../src/store/redis/inbox-lua.ts';
import { FakeTime } from '../helpers/fake-time.ts';
import { redisSkip, settleRedisEvents, testConnection } from '../helpers/redis.ts';
import { message, msg, text } from './inbox-store-contract.ts';

const skip = redisSkip();
if (skip) test('the Redis inbox store holds taken messages', { skip }, () => {});
else {
  const connection = await testConnection();
  let n = 0;

  /** A store of its own on the fake clock, inbox 'a' (secret 's') holding the messages `queued`. */
  async function setup(...queued: string[]) {
    const time = new FakeTime();
    const redis = { ...connection, prefix: `${connection.prefix}${n++}:` };
    const store = new RedisInboxStore({ inboxTtlMs: 60_000, inboxCapacity: 100, maxInboxes: 100, maxQueuedBytes: 1 << 20, clock: time, redis });
    after(() => store.close());
    const events: InboxEvent[] = [];
    store.watch('a', (e) => events.push(e));
    const settle = () => settleRedisEvents(store, redis);
    await settle();
    await store.open('a', 's', true);
    for (const body of queued) await store.send('a', msg(body));
    return { store, time, events, settle, wakeUps: () => events.filter((e) => e.type === 'message').length };
  }

  const inFlight = (taken: StoredMessage | InFlight | string | undefined): InFlight => {
    assert.ok(typeof taken === 'object' && isInFlight(taken), `in flight, not ${JSON.stringify(taken)}`);
    return taken;
  };

  test('a message taken under a claim is held: a newer reader finds it in flight, and once it is given back takes it first', async () => {
    const { store } = await setup('1', '2');
    const older = (await store.claim('a', 10_000))!;
    const first = message(await store.take('a', older))!;
    assert.equal(text(first), '1');
    assert.ok(first.held, 'the message carries its hold');
    const newer = (await store.claim('a', 10_000))!;
    assert.equal(inFlight(await store.take('a', newer)).retryInMs, HOLD_MS, 'the whole hold is left (the clock stood still)');
    assert.equal(inFlight(await store.take('a')).retryInMs, HOLD_MS, 'so does a take without an epoch');
    await store.giveBack('a', first);
    assert.equal(text(await store.take('a', newer)), '1', 'the message given back comes first');
    assert.equal(inFlight(await store.readOnce('a', 's')).retryInMs, HOLD_MS, 'a one-shot read waits too');
  });

  test('the holder releases its hold with its unclaim, even when replaced, and whoever found it hears a message', async () => {
    const { store, settle, wakeUps } = await setup('1', '2');
    const older = (await store.claim('a', 10_000))!;
    const first = message(await store.take('a', older))!;
    const newer = (await store.claim('a', 10_000))!;
    inFlight(await store.take('a', newer));
    await settle();
    const before = wakeUps();
    await store.unclaim('a', older); // without the hold: the message may still be on its way
    inFlight(await store.take('a', newer));
    await store.unclaim('a', older, first.held);
    await settle();
    assert.equal(wakeUps(), before + 1, 'the waiting reader is woken');
    assert.equal(text(await store.take('a', newer)), '2', 'the message was delivered: the next one is free');
  });

  test('a release wakes nobody when nobody waited', async () => {
    const { store, settle, wakeUps } = await setup('1', '2');
    const first = message(await store.readOnce('a', 's'))!;
    await settle();
    const before = wakeUps();
    await store.release('a', first.held!);
    await settle();
    assert.equal(wakeUps(), before);
    assert.equal(text(await store.readOnce('a', 's')), '2');
  });

  test("a one-shot read's message is held until released; the holder's next take releases its last one and holds the next", async () => {
    const { store } = await setup('1', '2', '3', '4');
    const first = message(await store.readOnce('a', 's'))!;
    assert.equal(text(first), '1');
    inFlight(await store.readOnce('a', 's'));
    await store.release('a', first.held!);
    const second = message(await store.readOnce('a', 's'))!;
    assert.equal(text(second), '2');
    assert.notEqual(second.held, first.held, 'each take holds under a hold of its own');
    await store.release('a', first.held!); // an old hold: changes nothing
    inFlight(await store.readOnce('a', 's'));
    await store.release('a', second.held!);

    const epoch = (await store.claim('a', 10_000))!;
    const third = message(await store.take('a', epoch))!;
    assert.equal(text(third), '3');
    inFlight(await store.take('a', epoch)); // its own hold too, until it says the message arrived
    const fourth = message(await store.take('a', epoch, third.held))!;
    assert.equal(text(fourth), '4');
    assert.equal(await store.take('a', epoch, fourth.held), undefined);
    assert.equal(await store.take('a'), undefined, 'nothing is held any more');
  });

  test('a hold lapses HOLD_MS after its take: the next reader takes on; a lapsed holder giving back still puts its message first', async () => {
    const { store, time } = await setup('1', '2', '3');
    const first = message(await store.readOnce('a', 's'))!;
    time.advance(HOLD_MS - 1);
    assert.equal(inFlight(await store.readOnce('a', 's')).retryInMs, 1);
    time.advance(1);
    const second = message(await store.readOnce('a', 's'))!;
    assert.equal(text(second), '2', 'the hold lapsed: its holder is taken to have died');
    await store.giveBack('a', first); // a holder that was only slow
    await store.release('a', second.held!);
    assert.equal(text(await store.take('a')), '1', 'given back at the head, out of order but not lost');
    assert.equal(text(await store.take('a')), '3');
  });

  test('a hold goes with its inbox: deleted, the inbox is made again with nothing held', async () => {
    const { store } = await setup('1');
    const first = message(await store.readOnce('a', 's'))!;
    assert.equal(await store.remove('a', 's'), 'ok');
    await store.giveBack('a', first); // its inbox went, and the message with it
    await store.open('a', 's', true);
    await store.send('a', msg('new'));
    assert.equal(text(await store.take('a')), 'new');
  });
}
