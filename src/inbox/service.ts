import type { TimerHandle, Timers } from '../clock.ts';
import { AppError, errors } from '../errors.ts';
import { NO_CLIENT, type ClientRef, type KeyedLimit } from '../limits/index.ts';
import type { InboxEvent, InboxStore, RemoveOutcome, SendOutcome, StoredMessage } from '../store/inbox.ts';
import { isAsync, type MaybeAsync } from '../store/maybe-async.ts';
import { openInbox } from './admission.ts';
import { usernameProblem, type Owner } from './identity.ts';

/** Why a read ended without a message. */
export type EndReason = 'empty' | 'timeout' | 'replaced' | 'gone' | 'shutdown';

/**
 * What the transport gives the domain for one reader of an inbox: a long-poll
 * (one message, then done) or a socket (every message, for as long as it lives).
 */
export interface Reader {
  /** true: the read ends after one message (HTTP). false: it stays (WebSocket). */
  readonly single: boolean;
  /** false once the client went away. */
  isOpen(): boolean;
  /** false while the reader cannot take a message right now (socket backpressure). */
  canAccept(): boolean;
  /** Writes the message to a live client; false if it could not (the message then goes back). */
  deliver(message: StoredMessage): boolean;
  /** Ends the read without a message. */
  finish(reason: EndReason): void;
}

export interface InboxServiceOptions {
  readonly store: InboxStore;
  readonly timers: Timers;
  readonly inboxCapacity: number;
  readonly maxMessageBytes: number;
  readonly maxWaitMs: number;
  readonly defaultWaitMs: number;
  /** Called with errors of background store calls (logging). */
  readonly onBackgroundError?: (err: unknown) => void;
  /** New inboxes per client (null or absent: no limit). */
  readonly newInboxes?: KeyedLimit | null;
  /** Lease of a socket reader's claim, renewed every third of it (default 30 s). */
  readonly socketLeaseMs?: number;
}

function emptyBodyError(recipientExists: boolean, to: string): AppError {
  return recipientExists ? errors.emptyBody() : errors.noSuchInbox(to);
}

function removeError(outcome: RemoveOutcome, name: string): AppError | undefined {
  if (outcome === 'no-inbox') return errors.noSuchInbox(name);
  if (outcome === 'wrong-password') return errors.wrongPassword();
  return undefined;
}

/** What the pump does after handing a message over: go on, stop, or go on once the store is done. */
const MORE = 0;
const STOP = 1;
type PumpStep = typeof MORE | typeof STOP | Promise<void>;

/** A long-poll's claim lasts its wait plus this; a socket's is renewed while it lives. */
const LEASE_MARGIN_MS = 5_000;
const DEFAULT_SOCKET_LEASE_MS = 30_000;

interface Attached {
  readonly reader: Reader;
  readonly waits: boolean;
  /** The store claim that makes this the inbox's one reader, on every node (0: a one-shot read, which has none). */
  readonly epoch: number;
  /** A long-poll's wait, or a socket's lease renewal. */
  timer: TimerHandle | null;
  /** Whether it holds a reference on the inbox's watch (a one-shot read does not). */
  readonly watched: boolean;
}

/** This node's subscription to one inbox's events, shared by the reads of that inbox. */
interface Watch {
  readonly unwatch: () => void;
  /** The newest claim seen: a read whose claim is older was replaced before it attached. */
  latestEpoch: number;
  /** Reads attached or on their way. */
  refs: number;
}

/**
 * The mailbox domain: authentication outcomes, sending, and the one reader
 * per inbox with its hand-over rules. Plain TypeScript: the store, the timers
 * and the readers are injected.
 */
export class InboxService {
  readonly #o: InboxServiceOptions;
  readonly #readers = new Map<string, Attached>();
  readonly #watches = new Map<string, Watch>();
  readonly #pumping = new Set<string>();
  readonly #again = new Set<string>();
  readonly #socketLeaseMs: number;

  constructor(options: InboxServiceOptions) {
    this.#o = options;
    this.#socketLeaseMs = options.socketLeaseMs ?? DEFAULT_SOCKET_LEASE_MS;
  }

  /** The wait to apply for a read that asked `requestedMs` (undefined: asked none), capped at maxWait. */
  effectiveWait(requestedMs: number | undefined): number {
    return Math.min(requestedMs ?? this.#o.defaultWaitMs, this.#o.maxWaitMs);
  }

  /**
   * Opens (or creates) the owner's inbox and attaches `reader` as its one
   * reader: its store claim ends the previous reader, on this node or any
   * other. Messages flow to the reader from then on. `who` names the client
   * of per-client limits (a new inbox counts against it). With a store that
   * answers at once (memory) all of it happens before this returns, a
   * message queued included.
   */
  read(owner: Owner, reader: Reader, waitMs: number, who: ClientRef = NO_CLIENT): MaybeAsync<AppError | undefined> {
    // A read that neither waits nor stays takes what is queued now and ends: no claim, no events. Its open
    // touches the inbox and ends the current reader's claim, on any node. Any other read is touched by its claim.
    const oneShot = reader.single && waitMs === 0;
    const opened = openInbox(this.#o.store, owner, oneShot, this.#o.newInboxes, who, oneShot);
    if (isAsync(opened)) return opened.then((failure) => failure ?? this.#opened(owner.name, reader, waitMs, oneShot));
    return opened ?? this.#opened(owner.name, reader, waitMs, oneShot);
  }

  #opened(name: string, reader: Reader, waitMs: number, oneShot: boolean): MaybeAsync<undefined> {
    if (!reader.isOpen()) return undefined;
    if (oneShot) {
      const entry: Attached = { reader, waits: false, epoch: 0, timer: null, watched: false };
      if (this.#readers.has(name) || this.#pumping.has(name)) this.#attach(name, entry);
      else this.#readOnce(name, entry);
      return undefined;
    }
    // Watch before claiming, so that a newer claim made anywhere meanwhile is seen.
    const watch = this.#watch(name);
    let claimed: MaybeAsync<number | undefined>;
    try {
      claimed = this.#o.store.claim(name, reader.single ? waitMs + LEASE_MARGIN_MS : this.#socketLeaseMs);
    } catch (err) {
      this.#unwatch(name, watch);
      throw err;
    }
    if (!isAsync(claimed)) return this.#claimed(name, reader, waitMs, watch, claimed);
    return claimed.then(
      (epoch) => this.#claimed(name, reader, waitMs, watch, epoch),
      (err: unknown) => {
        this.#unwatch(name, watch);
        throw err;
      },
    );
  }

  #claimed(name: string, reader: Reader, waitMs: number, watch: Watch, epoch: number | undefined): undefined {
    if (epoch === undefined) {
      this.#unwatch(name, watch);
      reader.finish('gone'); // deleted between open and claim
      return undefined;
    }
    if (epoch < watch.latestEpoch || !reader.isOpen()) {
      this.#unclaim(name, epoch);
      this.#unwatch(name, watch);
      if (reader.isOpen()) reader.finish('replaced');
      return undefined;
    }
    const entry: Attached = { reader, waits: waitMs > 0, epoch, timer: null, watched: true };
    if (reader.single) {
      entry.timer = this.#o.timers.setTimeout(() => this.#end(name, entry, 'timeout'), waitMs);
    } else {
      entry.timer = this.#o.timers.setInterval(() => this.#renew(name, entry), this.#socketLeaseMs / 3);
    }
    this.#attach(name, entry);
    return undefined;
  }

  /**
   * A one-shot read while no other read of the inbox is under way on this
   * node: the pump's first turn without registering the reader, since a store
   * that answers at once leaves nothing to wait for. A store that waits after
   * all gets the pump's own path: registered, so reads of the inbox keep
   * their turn.
   */
  #readOnce(name: string, entry: Attached): void {
    const taken = this.#o.store.take(name);
    if (isAsync(taken)) {
      this.#readers.set(name, entry);
      this.#pumping.add(name);
      taken.then((message) => this.#pumpAfter(name, () => this.#handOver(name, message)), (err: unknown) => this.#pumpFailed(name, err));
      return;
    }
    if (taken === undefined) return entry.reader.finish('empty');
    if (entry.reader.deliver(taken)) return;
    const back = this.#o.store.giveBack(name, taken); // the client went away: the message stays first in line
    if (isAsync(back)) back.catch((err: unknown) => this.#o.onBackgroundError?.(err));
  }

  /** Makes `entry` the inbox's reader on this node (ending an older one here) and starts delivery. */
  #attach(name: string, entry: Attached): void {
    const previous = this.#readers.get(name);
    if (previous) this.#end(name, previous, 'replaced'); // its own 'replaced' event may still be on its way (another node's store)
    this.#readers.set(name, entry);
    this.#pump(name);
  }

  /** The transport's reader went away on its own (client aborted, socket closed). */
  release(name: string, reader: Reader): void {
    const entry = this.#readers.get(name);
    if (entry && entry.reader === reader) this.#detach(name, entry);
  }

  /** A reader that could not accept (backpressure) can now: resume delivery. */
  resume(name: string): void {
    if (this.#readers.has(name)) this.#pump(name);
  }

  /** Queues a message from `sender` (whose inbox is created if needed) for `to`. */
  send(sender: Owner, to: string, contentType: string, body: Uint8Array, who: ClientRef = NO_CLIENT): MaybeAsync<AppError | undefined> {
    const badTo = usernameProblem(to);
    if (badTo) return errors.invalidRecipient(badTo);
    const opened = openInbox(this.#o.store, sender, false, this.#o.newInboxes, who);
    if (isAsync(opened)) return opened.then((failure) => failure ?? this.#queue(sender.name, to, contentType, body));
    return opened ?? this.#queue(sender.name, to, contentType, body);
  }

  #queue(from: string, to: string, contentType: string, body: Uint8Array): MaybeAsync<AppError | undefined> {
    const store = this.#o.store;
    if (body.length > this.#o.maxMessageBytes) return errors.messageTooLarge(this.#o.maxMessageBytes);
    if (body.length === 0) {
      // The table answers a missing recipient before an empty body.
      const exists = store.exists(to);
      return isAsync(exists) ? exists.then((e) => emptyBodyError(e, to)) : emptyBodyError(exists, to);
    }
    const outcome = store.send(to, { from, contentType, body });
    return isAsync(outcome) ? outcome.then((o) => this.#sendError(o, to)) : this.#sendError(outcome, to);
  }

  #sendError(outcome: SendOutcome, to: string): AppError | undefined {
    if (outcome === 'no-inbox') return errors.noSuchInbox(to);
    if (outcome === 'queue-full') return errors.inboxFull(this.#o.inboxCapacity);
    if (outcome === 'over-budget') return errors.queueBudgetFull();
    return undefined;
  }

  /**
   * Checks the owner's credentials as a sender's are checked: the inbox is
   * created when absent (counted against the client's new-inbox limit), a
   * wrong password is refused, and the idle TTL is not extended.
   */
  authenticate(owner: Owner, who: ClientRef = NO_CLIENT): MaybeAsync<AppError | undefined> {
    return openInbox(this.#o.store, owner, false, this.#o.newInboxes, who);
  }

  /** Deletes the owner's inbox; a waiting reader is ended ('gone'). */
  remove(owner: Owner): MaybeAsync<AppError | undefined> {
    const outcome = this.#o.store.remove(owner.name, owner.secret);
    return isAsync(outcome) ? outcome.then((o) => removeError(o, owner.name)) : removeError(outcome, owner.name);
  }

  /** Readers currently attached on this node. */
  get readerCount(): number {
    return this.#readers.size;
  }

  /** Ends every reader ('shutdown'), which releases their claims and watches. */
  shutdown(): void {
    for (const [name, entry] of [...this.#readers]) this.#end(name, entry, 'shutdown');
  }

  #onEvent(event: InboxEvent): void {
    if (event.type === 'replaced') {
      const watch = this.#watches.get(event.name);
      if (watch && event.epoch > watch.latestEpoch) watch.latestEpoch = event.epoch;
    }
    const entry = this.#readers.get(event.name);
    if (!entry) return;
    if (event.type === 'message') this.#pump(event.name);
    else if (event.type === 'gone') this.#end(event.name, entry, 'gone');
    else if (event.epoch > entry.epoch) this.#end(event.name, entry, 'replaced');
  }

  #watch(name: string): Watch {
    let watch = this.#watches.get(name);
    if (!watch) {
      const unwatch = this.#o.store.watch(name, (event) => this.#onEvent(event));
      this.#watches.set(name, (watch = { unwatch, latestEpoch: 0, refs: 0 }));
    }
    watch.refs++;
    return watch;
  }

  #unwatch(name: string, watch: Watch): void {
    if (--watch.refs > 0 || this.#watches.get(name) !== watch) return;
    this.#watches.delete(name);
    watch.unwatch();
  }

  /** A socket's claim is renewed while it lives; a claim lost without an event (a missed message) ends it too. */
  #renew(name: string, entry: Attached): void {
    const renewed = (current: boolean) => {
      if (!current && this.#readers.get(name) === entry) this.#end(name, entry, 'replaced');
    };
    try {
      const current = this.#o.store.renew(name, entry.epoch, this.#socketLeaseMs);
      if (isAsync(current)) current.then(renewed, (err: unknown) => this.#o.onBackgroundError?.(err));
      else renewed(current);
    } catch (err) {
      this.#o.onBackgroundError?.(err);
    }
  }

  /**
   * Moves messages from the queue to the current reader, one pump per inbox at
   * a time so that a message given back cannot overtake or be overtaken. A
   * message leaves the queue only into a live reader; otherwise it goes back
   * to the head. It runs to the end at once while the store answers at once,
   * and goes on from a store's promise otherwise.
   */
  #pump(name: string): void {
    if (this.#pumping.has(name)) {
      this.#again.add(name);
      return;
    }
    this.#pumping.add(name);
    this.#pumpOn(name);
  }

  #pumpOn(name: string): void {
    try {
      for (;;) {
        this.#again.delete(name);
        const entry = this.#readers.get(name);
        if (!entry) break;
        if (!entry.reader.isOpen()) {
          this.#detach(name, entry);
          continue;
        }
        if (!entry.reader.canAccept()) break;
        const taken = this.#o.store.take(name);
        if (isAsync(taken)) {
          taken.then((message) => this.#pumpAfter(name, () => this.#handOver(name, message)), (err: unknown) => this.#pumpFailed(name, err));
          return;
        }
        const next = this.#handOver(name, taken);
        if (next === STOP) break;
        if (next !== MORE) {
          next.then(() => this.#pumpOn(name), (err: unknown) => this.#pumpFailed(name, err));
          return;
        }
      }
    } catch (err) {
      this.#o.onBackgroundError?.(err);
    }
    this.#pumpDone(name);
  }

  #pumpAfter(name: string, step: () => PumpStep): void {
    let next: PumpStep;
    try {
      next = step();
    } catch (err) {
      return this.#pumpFailed(name, err);
    }
    if (next === MORE) this.#pumpOn(name);
    else if (next === STOP) this.#pumpDone(name);
    else next.then(() => this.#pumpOn(name), (err: unknown) => this.#pumpFailed(name, err));
  }

  /** Delivers a taken message (or ends an empty read); a message the reader could not take goes back first. */
  #handOver(name: string, message: StoredMessage | undefined): PumpStep {
    const current = this.#readers.get(name);
    if (message === undefined) {
      if (this.#again.has(name)) return MORE;
      if (current && !current.waits) this.#end(name, current, 'empty');
      return STOP;
    }
    if (current && current.reader.deliver(message)) {
      if (current.reader.single) this.#detach(name, current);
      return MORE;
    }
    const back = this.#o.store.giveBack(name, message);
    if (!isAsync(back)) {
      if (current) this.#detach(name, current);
      return MORE;
    }
    return back.then(() => {
      if (current) this.#detach(name, current);
    });
  }

  #pumpFailed(name: string, err: unknown): void {
    this.#o.onBackgroundError?.(err);
    this.#pumpDone(name);
  }

  #pumpDone(name: string): void {
    this.#pumping.delete(name);
    this.#again.delete(name);
  }

  #end(name: string, entry: Attached, reason: EndReason): void {
    if (this.#readers.get(name) === entry) this.#detach(name, entry);
    else this.#clearTimer(entry);
    entry.reader.finish(reason);
  }

  #detach(name: string, entry: Attached): void {
    this.#clearTimer(entry);
    // Already detached (a socket closed from inside deliver()) or replaced by a
    // newer reader during an await: that one must stay attached.
    if (this.#readers.get(name) !== entry) return;
    this.#readers.delete(name);
    if (entry.epoch !== 0) this.#unclaim(name, entry.epoch);
    const watch = entry.watched ? this.#watches.get(name) : undefined;
    if (watch) this.#unwatch(name, watch);
  }

  #clearTimer(entry: Attached): void {
    if (entry.timer === null) return;
    if (entry.reader.single) this.#o.timers.clearTimeout(entry.timer);
    else this.#o.timers.clearInterval(entry.timer);
    entry.timer = null;
  }

  /** Gives a claim up in the background: nobody waits for it, a failure is only logged. */
  #unclaim(name: string, epoch: number): void {
    try {
      const done = this.#o.store.unclaim(name, epoch);
      if (isAsync(done)) done.catch((err: unknown) => this.#o.onBackgroundError?.(err));
    } catch (err) {
      this.#o.onBackgroundError?.(err);
    }
  }
}
