import type { Timers } from '../clock.ts';
import { AppError, errors } from '../errors.ts';
import { NO_CLIENT, type ClientRef, type KeyedLimit } from '../limits/index.ts';
import { NO_CLAIM, type InboxEvent, type InboxStore, type OpenOutcome, type ReadOnceOutcome, type RemoveOutcome } from '../store/inbox.ts';
import { isAsync, type MaybeAsync } from '../store/maybe-async.ts';
import { admitted, openInbox } from './admission.ts';
import { Delivery } from './delivery.ts';
import { usernameProblem, type Owner } from './identity.ts';
import type { Reader } from './reader.ts';
import { InboxReaders, type Attached } from './readers.ts';
import { NO_SENDER, queueFrom, queueMessage } from './sending.ts';
import { InboxWatches, type Watch } from './watches.ts';

export type { EndReason, Reader } from './reader.ts';

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

/**
 * A long-poll's claim lasts its wait plus this, within MAX_WAIT (so a dead
 * node's reader keeps an inbox at most INBOX_TTL + MAX_WAIT); a socket's is
 * renewed while it lives.
 */
const LEASE_MARGIN_MS = 5_000;
const DEFAULT_SOCKET_LEASE_MS = 30_000;

function removeError(outcome: RemoveOutcome, name: string): AppError | undefined {
  if (outcome === 'no-inbox') return errors.noSuchInbox(name);
  if (outcome === 'wrong-password') return errors.wrongPassword();
  return undefined;
}

/**
 * The mailbox domain: authentication outcomes, sending, and the one reader
 * per inbox with its hand-over rules. Plain TypeScript: the store, the timers
 * and the readers are injected.
 */
export class InboxService {
  readonly #o: InboxServiceOptions;
  readonly #socketLeaseMs: number;
  readonly #watches: InboxWatches;
  readonly #readers: InboxReaders;
  readonly #delivery: Delivery;

  constructor(options: InboxServiceOptions) {
    this.#o = options;
    this.#socketLeaseMs = options.socketLeaseMs ?? DEFAULT_SOCKET_LEASE_MS;
    this.#watches = new InboxWatches(options.store, (event) => this.#onEvent(event));
    this.#readers = new InboxReaders({
      store: options.store,
      timers: options.timers,
      watches: this.#watches,
      socketLeaseMs: this.#socketLeaseMs,
      onBackgroundError: options.onBackgroundError,
    });
    this.#delivery = new Delivery(options.store, this.#readers, options.timers, options.onBackgroundError);
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
    // With no other read of the inbox under way here, such a read is one store call (open and take together).
    if (oneShot && !this.#readers.has(owner.name) && !this.#delivery.busy(owner.name)) return this.#readOnce(owner, reader, who);
    const opened = openInbox(this.#o.store, owner, oneShot, this.#o.newInboxes, who, oneShot);
    if (isAsync(opened)) return opened.then((failure) => failure ?? this.#opened(owner.name, reader, waitMs, oneShot));
    return opened ?? this.#opened(owner.name, reader, waitMs, oneShot);
  }

  #readOnce(owner: Owner, reader: Reader, who: ClientRef): MaybeAsync<AppError | undefined> {
    const outcome = this.#o.store.readOnce(owner.name, owner.secret);
    if (isAsync(outcome)) return outcome.then((o) => this.#readOnceDone(owner, reader, who, o));
    return this.#readOnceDone(owner, reader, who, outcome);
  }

  #readOnceDone(owner: Owner, reader: Reader, who: ClientRef, outcome: ReadOnceOutcome): MaybeAsync<AppError | undefined> {
    if (typeof outcome === 'object') this.#delivery.handOverOnce(owner.name, reader, outcome);
    else if (outcome === 'empty') reader.finish('empty');
    else return this.#admitted(outcome, owner, reader, who);
    return undefined;
  }

  /** A read that found no inbox (created one, or was refused) or a wrong password; a new inbox holds nothing. */
  #admitted(outcome: OpenOutcome, owner: Owner, reader: Reader, who: ClientRef): MaybeAsync<AppError | undefined> {
    const end = (failure: AppError | undefined): AppError | undefined => {
      if (failure === undefined) reader.finish('empty');
      return failure;
    };
    const admission = admitted(outcome, this.#o.store, owner, this.#o.newInboxes, who);
    return isAsync(admission) ? admission.then(end) : end(admission);
  }

  #pollLeaseMs(waitMs: number): number {
    return Math.max(waitMs, Math.min(waitMs + LEASE_MARGIN_MS, this.#o.maxWaitMs));
  }

  #opened(name: string, reader: Reader, waitMs: number, oneShot: boolean): MaybeAsync<undefined> {
    if (!reader.isOpen()) return undefined;
    if (oneShot) {
      const entry: Attached = { reader, waits: false, epoch: NO_CLAIM, timer: null, watched: false, held: undefined };
      if (this.#readers.has(name) || this.#delivery.busy(name)) this.#attach(name, entry);
      else this.#delivery.takeOnce(name, entry);
      return undefined;
    }
    // Watch before claiming, so that a newer claim made anywhere meanwhile is seen.
    const watch = this.#watches.watch(name);
    let claimed: MaybeAsync<number | undefined>;
    try {
      claimed = this.#o.store.claim(name, reader.single ? this.#pollLeaseMs(waitMs) : this.#socketLeaseMs);
    } catch (err) {
      this.#watches.unwatch(name, watch);
      throw err;
    }
    if (!isAsync(claimed)) return this.#claimed(name, reader, waitMs, watch, claimed);
    return claimed.then(
      (epoch) => this.#claimed(name, reader, waitMs, watch, epoch),
      (err: unknown) => {
        this.#watches.unwatch(name, watch);
        throw err;
      },
    );
  }

  #claimed(name: string, reader: Reader, waitMs: number, watch: Watch, epoch: number | undefined): undefined {
    if (epoch === undefined) {
      this.#watches.unwatch(name, watch);
      reader.finish('gone'); // deleted between open and claim
      return undefined;
    }
    if (epoch < watch.latestEpoch || !reader.isOpen()) {
      this.#readers.unclaim(name, epoch);
      this.#watches.unwatch(name, watch);
      if (reader.isOpen()) reader.finish('replaced');
      return undefined;
    }
    const entry: Attached = { reader, waits: waitMs > 0, epoch, timer: null, watched: true, held: undefined };
    this.#readers.startTimer(name, entry, waitMs);
    this.#attach(name, entry);
    return undefined;
  }

  #attach(name: string, entry: Attached): void {
    this.#readers.attach(name, entry);
    this.#delivery.pump(name);
  }

  /** The transport's reader went away on its own (client aborted, socket closed). */
  release(name: string, reader: Reader): void {
    const entry = this.#readers.get(name);
    if (entry && entry.reader === reader) this.#readers.detach(name, entry);
  }

  /** A reader that could not accept (backpressure) can now: resume delivery. */
  resume(name: string): void {
    if (this.#readers.has(name)) this.#delivery.pump(name);
  }

  /** Queues a message from `sender` (whose inbox is created if needed) for `to`. */
  send(sender: Owner, to: string, contentType: string, body: Uint8Array, who: ClientRef = NO_CLIENT): MaybeAsync<AppError | undefined> {
    const badTo = usernameProblem(to);
    if (badTo) return errors.invalidRecipient(badTo);
    if (body.length > 0 && body.length <= this.#o.maxMessageBytes) {
      // The common case, a sender whose inbox exists: one store call checks the password and queues the message.
      const sent = queueFrom(this.#o, sender.name, sender.secret, to, contentType, body);
      if (isAsync(sent)) return sent.then((s) => (s === NO_SENDER ? this.#openAndSend(sender, to, contentType, body, who) : s));
      if (sent !== NO_SENDER) return sent;
    }
    return this.#openAndSend(sender, to, contentType, body, who);
  }

  /** A send that opens the sender's inbox first: created when absent (and counted against the client's limit). */
  #openAndSend(sender: Owner, to: string, contentType: string, body: Uint8Array, who: ClientRef): MaybeAsync<AppError | undefined> {
    const opened = openInbox(this.#o.store, sender, false, this.#o.newInboxes, who);
    if (isAsync(opened)) return opened.then((failure) => failure ?? queueMessage(this.#o, sender.name, to, contentType, body));
    return opened ?? queueMessage(this.#o, sender.name, to, contentType, body);
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
    this.#readers.endAll('shutdown');
  }

  #onEvent(event: InboxEvent): void {
    const entry = this.#readers.get(event.name);
    if (!entry) return;
    if (event.type === 'message') this.#delivery.pump(event.name);
    else if (event.type === 'gone') this.#readers.end(event.name, entry, 'gone');
    else if (event.epoch > entry.epoch) this.#readers.end(event.name, entry, 'replaced');
  }
}
