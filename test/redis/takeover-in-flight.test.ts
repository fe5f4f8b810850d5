// Two nodes on one Redis, as inbox services: node A takes a message for its reader, and before A
// has delivered it or given it back, a reader on node B takes the inbox over. B must wait for that
// message rather than take the next one: FIFO holds across a takeover, whichever node gives back.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { systemTimers } from '../../src/clock.ts';
import { InboxService } from '../../src/inbox/service.ts';
import { isInFlight, type InboxStore } from '../../src/store/inbox.ts';
import { RedisInboxStore } from '../../src/store/redis/inbox.ts';
import { HOLD_MS } from '../../src/store/redis/inbox-lua.ts';
import { eventually } from '../helpers/eventually.ts';
import { FakeReader } from '../helpers/fake-reader.ts';
import { redisSkip, testConnection, uniquePrefix } from '../helpers/redis.ts';

const skip = redisSkip();
if (skip) test('a takeover while a message is in flight', { skip }, () => {});
else {
  /**
   * A node: its own connection and store (on Redis's clock), watched: `takes` lists what each of its
   * takes answered; with `gated`, a take's answer reaches the service only once `open()` is called
   * (Redis has acted on it already), like a node that is slow to hear back.
   */
  async function node(prefix: string, gated = false) {
    const redis = await testConnection({ prefix });
    const inner = new RedisInboxStore({ inboxTtlMs: 60_000, inboxCapacity: 100, maxInboxes: 100, maxQueuedBytes: 1 << 20, redis });
    after(() => inner.close());
    let open!: () => void;
    const gate = gated ? new Promise<void>((r) => (open = r)) : Promise.resolve();
    const takes: string[] = [];
    const store = new Proxy(inner, {
      get(target, key) {
        const value = Reflect.get(target, key);
        if (typeof value !== 'function') return value;
        if (key !== 'take' && key !== 'readOnce') return value.bind(target);
        return async (...args: unknown[]) => {
          const answer = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          takes.push(typeof answer !== 'object' ? String(answer) : isInFlight(answer as never) ? 'in flight' : 'message');
          await gate;
          return answer;
        };
      },
    }) as InboxStore;
    const errors: unknown[] = [];
    const service = new InboxService({
      store, timers: systemTimers, inboxCapacity: 100, maxMessageBytes: 1000, maxWaitMs: 30_000, defaultWaitMs: 0,
      onBackgroundError: (e) => errors.push(e),
    });
    after(() => service.shutdown());
    return { service, takes, errors, open: () => open() };
  }

  const alice = { name: 'alice', secret: 'alice-digest' };
  const bob = { name: 'bob', secret: 'bob-digest' };

  /** Nodes A (gated) and B on one fresh prefix; alice's inbox holds 'm1', 'm2'. */
  async function twoNodes() {
    const prefix = uniquePrefix('in-flight');
    const a = await node(prefix, true);
    const b = await node(prefix);
    await b.service.read(alice, new FakeReader(), 0);
    for (const body of ['m1', 'm2']) assert.equal(await b.service.send(bob, 'alice', 'text/plain', Buffer.from(body)), undefined);
    b.takes.length = 0;
    return { a, b };
  }

  test("a long-poll on B taking over from A's, while A's take is on its way, gets A's message first", async () => {
    const { a, b } = await twoNodes();
    const older = new FakeReader();
    await a.service.read(alice, older, 10_000);
    await eventually(() => a.takes.includes('message'), "A's take of m1");
    const newer = new FakeReader();
    await b.service.read(alice, newer, 10_000);
    await eventually(() => older.ended === 'replaced', 'A hears of the takeover');
    await eventually(() => b.takes.includes('in flight'), "B's take finds m1 in flight");
    assert.deepEqual(newer.got, [], 'B took nothing past it');
    a.open(); // A's answer arrives: its reader is gone, so m1 goes back, and B is woken
    await eventually(() => newer.got.length > 0, 'B delivers');
    assert.deepEqual(newer.got, ['m1']);
    b.takes.length = 0;
    const next = new FakeReader();
    await b.service.read(alice, next, 10_000);
    await eventually(() => next.got.length > 0, 'the next read delivers');
    assert.deepEqual(next.got, ['m2']);
    assert.deepEqual(b.takes, ['message'], "B's long-poll released m1's hold as it ended");
    assert.deepEqual([...a.errors, ...b.errors], []);
  });

  test("a one-shot read on B while A's message is in flight waits for it, then gets it", async () => {
    const { a, b } = await twoNodes();
    const vanishing = new FakeReader();
    vanishing.deliverable = false; // its client goes away before A can answer
    await a.service.read(alice, vanishing, 10_000);
    await eventually(() => a.takes.includes('message'), "A's take of m1");
    const once = new FakeReader();
    await b.service.read(alice, once, 0);
    await eventually(() => b.takes.filter((t) => t === 'in flight').length >= 2, 'B looks again while m1 is in flight');
    assert.deepEqual(once.got, []);
    assert.equal(once.ended, null, 'the read still waits');
    a.open();
    await eventually(() => once.got.length > 0, 'B delivers');
    assert.deepEqual(once.got, ['m1']);
    b.takes.length = 0;
    const next = new FakeReader();
    await b.service.read(alice, next, 0);
    await eventually(() => next.got.length > 0, 'the next one-shot read delivers');
    assert.deepEqual(next.got, ['m2']);
    assert.deepEqual(b.takes, ['message'], "B's first read released m1's hold as it ended");
    assert.deepEqual([...a.errors, ...b.errors], []);
  });

  test('when the node that took a message dies, a reader elsewhere waits out its hold and then takes the next one', async () => {
    const { a, b } = await twoNodes();
    await a.service.read(alice, new FakeReader(), 10_000);
    await eventually(() => a.takes.includes('message'), "A's take of m1");
    // A's answer never arrives: A is gone, and m1 with it (the spec allows losing that one message).
    const newer = new FakeReader();
    await b.service.read(alice, newer, 10_000);
    await eventually(() => b.takes.includes('in flight'), "B's take finds m1 in flight");
    await eventually(() => newer.got.length > 0, 'B takes on once the hold lapsed', HOLD_MS + 3000);
    assert.deepEqual(newer.got, ['m2']);
    assert.deepEqual(b.errors, []);
  });
}
