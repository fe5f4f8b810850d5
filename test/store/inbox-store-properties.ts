import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isInFlight, type InFlight, type InboxStore, type StoredMessage } from '../../src/store/inbox.ts';
import { FakeTime } from '../helpers/fake-time.ts';
import type { InboxStoreFactory } from './inbox-store-contract.ts';

/**
 * Property-based check of the InboxStore contract against a small model:
 * random interleavings of open, send, sendFrom, take and readOnce (then commit or give back),
 * reader claims (claim, takeover by a newer claim, unclaim; a replaced claim
 * can neither renew nor unclaim), delete, sweep and clock advances. Checked:
 * FIFO per inbox, exactly-once delivery (nothing duplicated; nothing lost
 * unless its inbox expired or was deleted), leases keeping inboxes alive,
 * growing epochs, INBOX_CAPACITY, MAX_INBOXES and MAX_QUEUED_BYTES; for a
 * store that holds taken messages in flight (Redis), the holds of one-shot
 * reads: nothing else is taken from that inbox until the message is
 * released, given back, or its hold lapses.
 * Run by each backend's test file with its factory, like the contract suite.
 */

const TTL = 1000;
const CAPACITY = 3;
const MAX_INBOXES = 3;
/** Small enough that random runs hit it: a message body is its id in decimal (1 or 2 bytes). */
const MAX_QUEUED_BYTES = 8;
const NAMES = ['a', 'b', 'c', 'd'];
const SECRETS = ['s1', 's2'];

type Op =
  | { op: 'open'; name: string; secret: string; touch: boolean }
  | { op: 'send'; to: string }
  | { op: 'sendFrom'; from: string; secret: string; to: string }
  | { op: 'take'; name: string }
  | { op: 'readOnce'; name: string; secret: string }
  | { op: 'settle'; giveBack: boolean }
  | { op: 'attach'; name: string }
  | { op: 'detach'; name: string }
  | { op: 'takeover'; name: string }
  | { op: 'remove'; name: string; secret: string }
  | { op: 'advance'; ms: number }
  | { op: 'sweep' };

const name = fc.constantFrom(...NAMES);
const secret = fc.constantFrom(...SECRETS);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('open' as const), name, secret, touch: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('send' as const), to: name }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('sendFrom' as const), from: name, secret, to: name }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('take' as const), name }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('readOnce' as const), name, secret }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('settle' as const), giveBack: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('attach' as const), name }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('detach' as const), name }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('takeover' as const), name }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('remove' as const), name, secret }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.oneof(fc.integer({ min: 1, max: TTL / 2 }), fc.constant(TTL)) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('sweep' as const) }) },
);

interface ModelInbox {
  secret: string;
  expiresAt: number;
  /** The current claim (0: none) and the end of its lease. */
  epoch: number;
  leaseUntil: number;
  queue: number[];
  /** The message a one-shot read holds in flight (a store that holds), until when. */
  hold?: number;
  holdUntil: number;
}

/** Lease of the claims the runs make: half a TTL. */
const LEASE = TTL / 2;

/** The reference: what the store must do, written as plainly as possible. */
class Model {
  readonly inboxes = new Map<string, ModelInbox>();
  /** Message ids that may be lost: their inbox expired or was deleted while they were queued or taken. */
  readonly droppable = new Set<number>();
  constructor(private readonly time: FakeTime) {}

  /** The ms the inbox's hold has left, or 0 when nothing is held. */
  holdLeft(inbox: ModelInbox): number {
    return inbox.hold === undefined ? 0 : Math.max(0, inbox.holdUntil - this.time.now());
  }

  live(name: string): ModelInbox | undefined {
    const inbox = this.inboxes.get(name);
    if (inbox && this.expired(inbox)) this.drop(name, inbox);
    return this.inboxes.get(name);
  }

  expired(inbox: ModelInbox): boolean {
    const now = this.time.now();
    return inbox.expiresAt <= now && !(inbox.epoch !== 0 && inbox.leaseUntil > now);
  }

  drop(name: string, inbox: ModelInbox): void {
    for (const id of inbox.queue) this.droppable.add(id);
    this.inboxes.delete(name);
  }

  /**
   * Body bytes in the queues of live inboxes (a taken message leaves the count until it is given back; an
   * expired inbox's bytes count no more: the store sweeps before it refuses a send over the budget).
   */
  queuedBytes(): number {
    let bytes = 0;
    for (const inbox of this.inboxes.values()) if (!this.expired(inbox)) for (const id of inbox.queue) bytes += String(id).length;
    return bytes;
  }

  sweep(): void {
    for (const name of [...this.inboxes.keys()]) this.live(name);
  }
}

const idOf = (m: StoredMessage | undefined): number | undefined => (m ? Number(Buffer.from(m.body).toString()) : undefined);
/** A take's answer as the model states it: the message's id, nothing, or how long the hold in the way has left. */
const outcomeOf = (got: StoredMessage | InFlight | undefined) => (got !== undefined && isInFlight(got) ? `in flight ${got.retryInMs} ms` : idOf(got));

/** holdMs: how long a store that holds taken messages in flight holds them (undefined: it holds nothing). */
async function runOps(store: InboxStore, time: FakeTime, ops: readonly Op[], holdMs: number | undefined): Promise<void> {
  const model = new Model(time);
  let nextId = 0;
  const sent = new Set<number>();
  const delivered = new Set<number>();
  let maxEpoch = 0;
  /** Taken and not yet settled: [inbox name, message]. */
  const held: [string, StoredMessage][] = [];
  const heldIds = (name: string) => held.filter(([n]) => n === name).map(([, m]) => idOf(m)!);
  /** What open must answer, applied to the model. */
  const openModel = (name: string, secret: string, touch: boolean): string => {
    let inbox = model.live(name);
    if (!inbox) {
      if (model.inboxes.size >= MAX_INBOXES) model.sweep();
      if (model.inboxes.size >= MAX_INBOXES) return 'full';
      model.inboxes.set(name, (inbox = { secret, expiresAt: time.now() + TTL, epoch: 0, leaseUntil: 0, queue: [], holdUntil: 0 }));
      return 'created';
    }
    if (inbox.secret !== secret) return 'wrong-password';
    if (touch) inbox.expiresAt = time.now() + TTL;
    return 'ok';
  };

  for (const [i, o] of ops.entries()) {
    const at = `op ${i} ${JSON.stringify(o)}`;
    switch (o.op) {
      case 'open': {
        const expected = openModel(o.name, o.secret, o.touch);
        assert.equal(await store.open(o.name, o.secret, o.touch), expected, at);
        break;
      }
      case 'readOnce': {
        // open with touch and takeOver, then take: the current claim (if any) ends.
        const opened = openModel(o.name, o.secret, true);
        const inbox = model.live(o.name);
        const old = opened === 'ok' ? inbox!.epoch : 0;
        if (old !== 0) Object.assign(inbox!, { epoch: 0, leaseUntil: 0 });
        let expected: string | number = opened;
        if (opened === 'ok') {
          const left = model.holdLeft(inbox!);
          const head = left > 0 ? undefined : inbox!.queue.shift();
          if (head !== undefined && holdMs !== undefined) Object.assign(inbox!, { hold: head, holdUntil: time.now() + holdMs });
          expected = left > 0 ? `in flight ${left} ms` : (head ?? 'empty');
        }
        const got = await store.readOnce(o.name, o.secret);
        assert.equal(typeof got === 'object' ? outcomeOf(got) : got, expected, `${at}: outcome, FIFO head`);
        if (typeof got === 'object' && !isInFlight(got)) held.push([o.name, got]);
        if (old !== 0) assert.equal(await store.renew(o.name, old, LEASE), false, `${at}: the claim a read took over cannot renew`);
        break;
      }
      case 'send':
      case 'sendFrom': {
        const id = nextId++;
        const from = o.op === 'sendFrom' ? o.from : 'x';
        const sender = o.op === 'sendFrom' ? model.live(o.from) : undefined;
        const refused = o.op !== 'sendFrom' ? undefined : !sender ? 'no-sender' : sender.secret !== o.secret ? 'wrong-password' : undefined;
        const inbox = model.live(o.to);
        const size = String(id).length;
        const expected = refused ?? (!inbox ? 'no-inbox' : inbox.queue.length >= CAPACITY ? 'queue-full' : model.queuedBytes() + size > MAX_QUEUED_BYTES ? 'over-budget' : 'ok');
        if (expected === 'ok') {
          inbox!.queue.push(id);
          sent.add(id);
        }
        const message = { from, contentType: 't', body: Buffer.from(String(id)) };
        assert.equal(await (o.op === 'sendFrom' ? store.sendFrom(o.secret, o.to, message) : store.send(o.to, message)), expected, at);
        break;
      }
      case 'take': {
        // Without an epoch: nothing is held, but another reader's hold is respected.
        const inbox = model.live(o.name);
        const left = inbox ? model.holdLeft(inbox) : 0;
        const expected = left > 0 ? `in flight ${left} ms` : inbox?.queue.shift();
        const got = await store.take(o.name);
        assert.equal(outcomeOf(got), expected, `${at}: FIFO head`);
        if (got && !isInFlight(got)) held.push([o.name, got]);
        break;
      }
      case 'settle': {
        const entry = held.shift();
        if (!entry) break;
        const [n, m] = entry;
        const id = idOf(m)!;
        // Either way its hold ends, if it is still the inbox's.
        const inbox = model.live(n);
        if (inbox?.hold === id) Object.assign(inbox, { hold: undefined, holdUntil: 0 });
        if (o.giveBack) {
          // The reader went away: back at the head, if the inbox of that name still lives.
          if (inbox) inbox.queue.unshift(id);
          else model.droppable.add(id);
          await store.giveBack(n, m);
        } else {
          assert.ok(!delivered.has(id), `${at}: message ${id} delivered twice`);
          delivered.add(id);
          if (m.held !== undefined) await store.release(n, m.held);
        }
        break;
      }
      case 'attach':
      case 'takeover': {
        // takeover: a new claim over a current one (the old holder can then no longer renew or unclaim).
        const inbox = model.live(o.name);
        if (o.op === 'takeover' && !inbox?.epoch) break;
        const old = inbox?.epoch ?? 0;
        const epoch = await store.claim(o.name, LEASE);
        if (!inbox) {
          assert.equal(epoch, undefined, `${at}: claim of a missing inbox`);
          break;
        }
        assert.ok(epoch !== undefined && epoch > maxEpoch, `${at}: claim epochs grow`);
        maxEpoch = epoch;
        Object.assign(inbox, { epoch, leaseUntil: time.now() + LEASE, expiresAt: time.now() + LEASE + TTL });
        if (old !== 0) {
          assert.equal(await store.renew(o.name, old, LEASE), false, `${at}: a replaced claim cannot renew`);
          await store.unclaim(o.name, old); // changes nothing
        }
        break;
      }
      case 'detach': {
        const inbox = model.live(o.name);
        if (!inbox?.epoch) break; // only the holder of a claim may end it
        await store.unclaim(o.name, inbox.epoch);
        Object.assign(inbox, { epoch: 0, leaseUntil: 0, expiresAt: time.now() + TTL });
        break;
      }
      case 'remove': {
        const inbox = model.live(o.name);
        const expected = !inbox ? 'no-inbox' : inbox.secret !== o.secret ? 'wrong-password' : 'ok';
        if (expected === 'ok') {
          model.drop(o.name, inbox!);
          for (const id of heldIds(o.name)) model.droppable.add(id);
        }
        assert.equal(await store.remove(o.name, o.secret), expected, at);
        break;
      }
      case 'advance':
        time.advance(o.ms);
        for (const [n, inbox] of model.inboxes) if (model.expired(inbox)) for (const id of heldIds(n)) model.droppable.add(id);
        break;
      case 'sweep': {
        await store.sweep();
        model.sweep();
        const stats = await store.stats();
        assert.equal(stats.inboxes, model.inboxes.size, `${at}: live inboxes after a sweep`);
        assert.equal(stats.messages, [...model.inboxes.values()].reduce((n, b) => n + b.queue.length, 0), `${at}: queued messages after a sweep`);
        break;
      }
    }
    const stats = await store.stats();
    assert.ok(stats.inboxes <= MAX_INBOXES, `${at}: ${stats.inboxes} inboxes > MAX_INBOXES`);
  }

  // Drain what is left: every message sent is delivered once, still queued (in order), or was droppable.
  // Taken and never settled: in a reader's hands, i.e. delivered (once).
  for (const [n, m] of held.splice(0)) {
    assert.ok(!delivered.has(idOf(m)!), `message ${idOf(m)} taken twice`);
    delivered.add(idOf(m)!);
    if (m.held !== undefined) await store.release(n, m.held);
  }
  for (const n of NAMES) {
    const inbox = model.live(n);
    const left: number[] = [];
    for (let m = await store.take(n); m; m = await store.take(n)) {
      assert.ok(!isInFlight(m), `${n}: nothing in flight once every hold is released`);
      left.push(idOf(m)!);
    }
    // (Sends past INBOX_CAPACITY were refused as the model said; a message given back may go past it.)
    assert.deepEqual(left, inbox?.queue ?? [], `queue of ${n} at the end`);
    for (const id of left) {
      assert.ok(!delivered.has(id), `message ${id} both delivered and still queued`);
      delivered.add(id);
    }
  }
  for (const id of sent) {
    if (!delivered.has(id) && !model.droppable.has(id)) {
      assert.fail(`message ${id} was lost while its inbox lived`);
    }
  }
}

/**
 * Runs the properties on one backend; `numRuns` keeps the file within a few
 * seconds. `holdMs`: how long the backend holds a message taken by a one-shot
 * read (absent: it holds nothing).
 */
export function inboxStoreProperties(backend: string, make: InboxStoreFactory, { numRuns = 300, holdMs }: { numRuns?: number; holdMs?: number } = {}): void {
  test(`${backend}: random interleavings keep FIFO, exactly-once delivery and the capacity bounds`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 60, size: 'max' }), async (ops) => {
        const time = new FakeTime();
        const store = make({ inboxTtlMs: TTL, inboxCapacity: CAPACITY, maxInboxes: MAX_INBOXES, maxQueuedBytes: MAX_QUEUED_BYTES, clock: time });
        try {
          await runOps(store, time, ops, holdMs);
        } finally {
          await store.close();
        }
      }),
      { numRuns, ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) | 0 } : {}) },
    );
  });
}
