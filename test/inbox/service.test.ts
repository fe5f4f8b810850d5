import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isError } from '../../src/errors.ts';
import type { Owner } from '../../src/inbox/identity.ts';
import { InboxService } from '../../src/inbox/service.ts';
import { FakeReader } from '../helpers/fake-reader.ts';
import { MemoryInboxStore } from '../../src/store/memory/inbox.ts';
import type { InboxEvent, InboxStore, StoredMessage } from '../../src/store/inbox.ts';
import { FakeTime } from '../helpers/fake-time.ts';

const TTL = 60_000;

const owner = (name: string, secret = `s-${name}`): Owner => ({ name, secret });
/**
 * A multi-message (socket) reader is attached with a wait > 0: with 0 the
 * service ends a reader as soon as the queue is empty ("empty"). Only single
 * readers get a wait timer.
 */
const SOCKET_WAIT = Number.POSITIVE_INFINITY;
const flush = () => new Promise((r) => setImmediate(r));

function setup(o: { store?: (s: MemoryInboxStore) => InboxStore; defaultWaitMs?: number; capacity?: number } = {}) {
  const time = new FakeTime();
  const memory = new MemoryInboxStore({ inboxTtlMs: TTL, inboxCapacity: o.capacity ?? 100, maxInboxes: 1000, maxQueuedBytes: 1 << 30, clock: time });
  const store = o.store ? o.store(memory) : memory;
  const errors: unknown[] = [];
  const service = new InboxService({
    store, timers: time, inboxCapacity: o.capacity ?? 100, maxMessageBytes: 1000, maxWaitMs: 30_000,
    defaultWaitMs: o.defaultWaitMs ?? 0, onBackgroundError: (e) => errors.push(e),
  });
  const send = async (to: string, body: string, from = owner('bob')) => service.send(from, to, 'text/plain', Buffer.from(body));
  return { time, memory, store, service, send, errors };
}

test('effectiveWait: default when none asked, capped at maxWait', () => {
  const { service } = setup({ defaultWaitMs: 2000 });
  assert.equal(service.effectiveWait(undefined), 2000);
  assert.equal(service.effectiveWait(0), 0);
  assert.equal(service.effectiveWait(5000), 5000);
  assert.equal(service.effectiveWait(99_000), 30_000);
});

test('a long-poll claims for its wait plus 5 s, never past MAX_WAIT; a dead node\'s reader keeps an inbox at most INBOX_TTL + MAX_WAIT', async () => {
  const leases: number[] = [];
  const { service } = setup({
    store: (m) => new Proxy(m, {
      get: (target, key) => {
        if (key === 'claim') return (name: string, leaseMs: number) => (leases.push(leaseMs), target.claim(name, leaseMs));
        const value = Reflect.get(target, key);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }),
  });
  for (const [name, wait] of [['a', 10_000], ['b', 27_000], ['c', 30_000]] as const) {
    await service.read(owner(name), new FakeReader(), 0); // creates the inbox
    await service.read(owner(name), new FakeReader(), wait);
  }
  assert.deepEqual(leases, [15_000, 30_000, 30_000]);
});

test('empty queue and no wait: the reader ends "empty" at once', async () => {
  const { service } = setup();
  const r = new FakeReader();
  assert.equal(await service.read(owner('alice'), r, 0), undefined);
  await flush();
  assert.equal(r.ended, 'empty');
  assert.equal(service.readerCount, 0);
});

test('a waiting reader gets the next message, then is detached', async () => {
  const { service, send } = setup();
  const r = new FakeReader();
  await service.read(owner('alice'), r, 10_000);
  await flush();
  assert.equal(r.ended, null);
  assert.equal(service.readerCount, 1);
  assert.equal(await send('alice', 'hello'), undefined);
  await flush();
  assert.deepEqual(r.got, ['hello']);
  assert.equal(service.readerCount, 0);
});

test('a queued message is delivered at once, oldest first, one per single reader', async () => {
  const { service, send } = setup();
  await service.read(owner('alice'), new FakeReader(), 0);
  await send('alice', '1');
  await send('alice', '2');
  const r1 = new FakeReader();
  await service.read(owner('alice'), r1, 0);
  await flush();
  const r2 = new FakeReader();
  await service.read(owner('alice'), r2, 0);
  await flush();
  assert.deepEqual([r1.got, r2.got], [['1'], ['2']]);
});

test('timeout: a waiting reader ends "timeout" when its wait is over, not before', async () => {
  const { service, time } = setup();
  const r = new FakeReader();
  await service.read(owner('alice'), r, 5000);
  time.advance(4999);
  assert.equal(r.ended, null);
  time.advance(1);
  assert.equal(r.ended, 'timeout');
  assert.equal(service.readerCount, 0);
});

test('reader takeover: a newer reader ends the older one ("replaced") and gets the messages', async () => {
  const { service, send, time } = setup();
  const older = new FakeReader();
  const newer = new FakeReader();
  await service.read(owner('alice'), older, 10_000);
  await service.read(owner('alice'), newer, 10_000);
  assert.equal(older.ended, 'replaced');
  assert.equal(service.readerCount, 1);
  await send('alice', 'm');
  await flush();
  assert.deepEqual(older.got, []);
  assert.deepEqual(newer.got, ['m']);
  // the older reader's timer was cleared: advancing does not end anything twice
  time.advance(20_000);
  assert.equal(older.ended, 'replaced');
});

test('wrong password on read and on send; missing recipient; full queue', async () => {
  const { service, send } = setup({ capacity: 1 });
  await service.read(owner('alice'), new FakeReader(), 0);
  const wrong = await service.read(owner('alice', 'nope'), new FakeReader(), 0);
  assert.ok(isError(wrong) && wrong.status === 401 && wrong.code === 'wrong_password');
  const wrongSender = await service.send(owner('alice', 'nope'), 'alice', 't', Buffer.from('x'));
  assert.ok(isError(wrongSender) && wrongSender.status === 401);
  const missing = await send('nobody', 'x');
  assert.ok(isError(missing) && missing.status === 404);
  assert.equal(await send('alice', 'x'), undefined);
  const full = await send('alice', 'y');
  assert.ok(isError(full) && full.status === 503);
  assert.deepEqual(full.headers, [['Retry-After', '1'], ['Access-Control-Expose-Headers', 'Retry-After']]);
});

test('send: bad recipient 400; empty body is 400 only when the recipient exists (404 first)', async () => {
  const { service, send } = setup();
  const bad = await send('a:b', 'x');
  assert.ok(isError(bad) && bad.status === 400 && bad.code === 'invalid_recipient');
  const noOne = await send('nobody', '');
  assert.ok(isError(noOne) && noOne.status === 404);
  await service.read(owner('alice'), new FakeReader(), 0);
  const empty = await send('alice', '');
  assert.ok(isError(empty) && empty.status === 400 && empty.code === 'empty_body');
  const big = await service.send(owner('bob'), 'alice', 't', Buffer.alloc(1001));
  assert.ok(isError(big) && big.status === 413);
});

test('send creates the sender\'s inbox (reachable for replies)', async () => {
  const { service, memory } = setup();
  await service.read(owner('alice'), new FakeReader(), 0);
  await service.send(owner('bob'), 'alice', 't', Buffer.from('x'));
  assert.equal(await memory.exists('bob'), true);
  assert.equal(await service.send(owner('alice'), 'bob', 't', Buffer.from('reply')), undefined);
});

test('release on abort: the reader is detached and messages stay queued for the next one', async () => {
  const { service, send } = setup();
  const r = new FakeReader();
  await service.read(owner('alice'), r, 10_000);
  r.open = false;
  service.release('alice', r);
  assert.equal(service.readerCount, 0);
  await send('alice', 'kept');
  await flush();
  assert.deepEqual(r.got, []);
  const next = new FakeReader();
  await service.read(owner('alice'), next, 0);
  await flush();
  assert.deepEqual(next.got, ['kept']);
});

test('release of a reader that is no longer current does not detach the current one', async () => {
  const { service, send } = setup();
  const older = new FakeReader();
  const newer = new FakeReader();
  await service.read(owner('alice'), older, 10_000);
  await service.read(owner('alice'), newer, 10_000);
  service.release('alice', older);
  assert.equal(service.readerCount, 1);
  await send('alice', 'm');
  await flush();
  assert.deepEqual(newer.got, ['m']);
});

test('a message handed to a reader that went away goes back to the head, not lost, not duplicated', async () => {
  const { service, send } = setup();
  await service.read(owner('alice'), new FakeReader(), 0);
  await send('alice', '1');
  await send('alice', '2');
  const gone = new FakeReader();
  gone.deliverable = false; // the client vanished between take and write
  await service.read(owner('alice'), gone, 10_000);
  await flush();
  assert.deepEqual(gone.got, []);
  assert.equal(service.readerCount, 0);
  const r1 = new FakeReader();
  await service.read(owner('alice'), r1, 0);
  await flush();
  const r2 = new FakeReader();
  await service.read(owner('alice'), r2, 0);
  await flush();
  const r3 = new FakeReader();
  await service.read(owner('alice'), r3, 0);
  await flush();
  assert.deepEqual([r1.got, r2.got, r3.got, r3.ended], [['1'], ['2'], [], 'empty']);
});

test('a reader found closed is detached before anything is taken', async () => {
  const { service, send, memory } = setup();
  const r = new FakeReader();
  await service.read(owner('alice'), r, 10_000);
  r.open = false; // aborted, but the transport did not call release
  await send('alice', 'kept');
  await flush();
  assert.equal(service.readerCount, 0);
  assert.deepEqual(await memory.stats(), { inboxes: 2, messages: 1, bytes: 4 });
});

/** A store whose giveBack waits until the test opens a gate. */
function gatedGiveBack(inner: MemoryInboxStore) {
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const store = Object.create(inner) as InboxStore;
  let calls = 0;
  store.giveBack = async (name, m) => {
    calls++;
    await gate;
    return inner.giveBack(name, m);
  };
  for (const k of ['open', 'readOnce', 'exists', 'send', 'sendFrom', 'take', 'release', 'remove', 'claim', 'renew', 'unclaim', 'sweep', 'stats', 'ping', 'watch', 'close'] as const) {
    (store as unknown as Record<string, unknown>)[k] = (inner[k] as (...a: unknown[]) => unknown).bind(inner);
  }
  return { store, release: () => open(), calls: () => calls };
}

test('pump serialization: a given-back message is not overtaken, and the new reader stays attached', async () => {
  let gated!: ReturnType<typeof gatedGiveBack>;
  const { service, send, time } = setup({ store: (m) => (gated = gatedGiveBack(m)).store });
  await service.read(owner('alice'), new FakeReader(), 0);
  await send('alice', '1');
  await send('alice', '2');
  const vanishing = new FakeReader();
  vanishing.deliverable = false;
  await service.read(owner('alice'), vanishing, 10_000); // takes '1', fails to deliver, giveBack waits
  await flush();
  assert.equal(gated.calls(), 1);
  const next = new FakeReader();
  await service.read(owner('alice'), next, 10_000); // attaches while the giveBack is pending
  await send('alice', '3');
  await flush();
  assert.deepEqual(next.got, [], 'nothing may be delivered while "1" is out of the queue');
  gated.release();
  await flush();
  assert.deepEqual(next.got, ['1'], '"1" comes back first');
  // the next readers get the rest in order
  const r2 = new FakeReader();
  await service.read(owner('alice'), r2, 10_000);
  await flush();
  const r3 = new FakeReader();
  await service.read(owner('alice'), r3, 10_000);
  await flush();
  assert.deepEqual([r2.got, r3.got], [['2'], ['3']]);
  time.advance(10_000);
});

test('pump serialization: after the give-back, the reader that took over still receives new messages', async () => {
  let gated!: ReturnType<typeof gatedGiveBack>;
  const { service, send } = setup({ store: (m) => (gated = gatedGiveBack(m)).store });
  await service.read(owner('alice'), new FakeReader(), 0);
  await send('alice', '1');
  const vanishing = new FakeReader();
  vanishing.deliverable = false;
  await service.read(owner('alice'), vanishing, 10_000);
  await flush();
  const socket = new FakeReader(false); // a multi-message reader takes over meanwhile
  await service.read(owner('alice'), socket, SOCKET_WAIT);
  gated.release();
  await flush();
  assert.equal(service.readerCount, 1, 'the new reader must stay attached');
  await send('alice', '2');
  await flush();
  assert.deepEqual(socket.got, ['1', '2']);
});

test('a multi-message reader (socket) gets every message and pauses under backpressure', async () => {
  const { service, send } = setup();
  const s = new FakeReader(false);
  await service.read(owner('alice'), s, SOCKET_WAIT);
  await flush();
  assert.equal(s.ended, null, 'a socket reader is not ended by an empty queue');
  await send('alice', '1');
  await flush();
  s.accepting = false;
  await send('alice', '2');
  await send('alice', '3');
  await flush();
  assert.deepEqual(s.got, ['1']);
  s.accepting = true;
  service.resume('alice');
  await flush();
  assert.deepEqual(s.got, ['1', '2', '3']);
});

test('DELETE of an inbox ends its waiting reader ("gone")', async () => {
  const { service } = setup();
  const r = new FakeReader();
  await service.read(owner('alice'), r, 10_000);
  const wrong = await service.remove(owner('alice', 'bad'));
  assert.ok(isError(wrong) && wrong.status === 401);
  assert.equal(r.ended, null);
  assert.equal(await service.remove(owner('alice')), undefined);
  assert.equal(r.ended, 'gone');
  assert.equal(service.readerCount, 0);
  const again = await service.remove(owner('alice'));
  assert.ok(isError(again) && again.status === 404);
});

test('shutdown ends every reader ("shutdown") and stops listening to the store', async () => {
  const { service, send, memory } = setup();
  const a = new FakeReader();
  const b = new FakeReader(false);
  await service.read(owner('alice'), a, 10_000);
  await service.read(owner('bob'), b, SOCKET_WAIT);
  service.shutdown();
  assert.equal(a.ended, 'shutdown');
  assert.equal(b.ended, 'shutdown');
  assert.equal(service.readerCount, 0);
  await send('alice', 'late', owner('carol'));
  await flush();
  assert.deepEqual(a.got, []);
  assert.deepEqual(await memory.stats(), { inboxes: 3, messages: 1, bytes: 4 });
});

test('an open reader keeps the inbox alive; its TTL starts when the reader ends', async () => {
  const { service, memory, time, send } = setup();
  const r = new FakeReader();
  await service.read(owner('alice'), r, TTL + 30_000);
  time.advance(TTL + 10_000); // the long-poll outlives the TTL...
  assert.equal(r.ended, null);
  assert.equal(await memory.sweep(), 0);
  assert.equal(await memory.exists('alice'), true);
  time.advance(20_000); // ...until its wait is over
  assert.equal(r.ended, 'timeout');
  await flush();
  time.advance(TTL - 1);
  assert.equal(await memory.exists('alice'), true);
  time.advance(1);
  assert.equal(await memory.exists('alice'), false);
  const late = await send('alice', 'x');
  assert.ok(isError(late) && late.status === 404);
});

test('a socket reader whose claim is lost without an event ends "replaced" when a newer reader holds the inbox, "gone" when the inbox went', async () => {
  // The store's events never reach the service (a missed message): only the renewal finds out.
  const deaf = (m: MemoryInboxStore): InboxStore => new Proxy(m, {
    get: (target, key) => {
      if (key === 'watch') return () => () => {};
      const value = Reflect.get(target, key);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const { service, memory, time } = setup({ store: deaf });
  const replaced = new FakeReader(false);
  await service.read(owner('alice'), replaced, SOCKET_WAIT);
  const gone = new FakeReader(false);
  await service.read(owner('bob'), gone, SOCKET_WAIT);
  await flush();
  memory.claim('alice', 30_000); // a reader on another node
  memory.remove('bob', 's-bob'); // deleted through another node
  time.advance(10_000); // one renewal (every third of the 30 s lease)
  await flush();
  assert.equal(replaced.ended, 'replaced');
  assert.equal(gone.ended, 'gone');
});

test('a reader replaced on another node, before the event reaches this one, is handed nothing: the message stays for the new reader', async () => {
  // The 'replaced' events are lost on the way (late, on Redis); the 'message' events arrive.
  const late = (m: MemoryInboxStore): InboxStore => new Proxy(m, {
    get: (target, key) => {
      if (key === 'watch') {
        return (name: string, listener: (e: InboxEvent) => void) => target.watch(name, (e) => (e.type === 'replaced' ? undefined : listener(e)));
      }
      const value = Reflect.get(target, key);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const { service, memory, send } = setup({ store: late });
  const older = new FakeReader();
  await service.read(owner('alice'), older, 10_000);
  await flush();
  const newer = memory.claim('alice', 30_000)!; // a reader on another node
  await send('alice', 'for the new reader');
  await flush();
  assert.deepEqual(older.got, [], 'the replaced reader got nothing');
  assert.equal(Buffer.from(memory.take('alice', newer)!.body).toString(), 'for the new reader');
});
