import type { TimerHandle, Timers } from '../clock.ts';
import { NO_CLAIM, isInFlight, type InFlight, type InboxStore, type StoredMessage } from '../store/inbox.ts';
import { isAsync } from '../store/maybe-async.ts';
import type { Reader } from './reader.ts';
import type { Attached, InboxReaders } from './readers.ts';

/**
 * A read without a claim hears no events, so while another reader's message
 * is in flight it asks again this often (a reader with a claim hears the
 * release as a 'message' event).
 */
const UNWATCHED_RETRY_MS = 10;

/** What the pump does after handing a message over: go on, stop, or go on once the store is done. */
const MORE = 0;
const STOP = 1;
type PumpStep = typeof MORE | typeof STOP | Promise<void>;

/**
 * Moves messages from an inbox's queue to its reader on this node, one pump
 * per inbox at a time so that a message given back cannot overtake or be
 * overtaken. A message leaves the queue only into a live reader; otherwise it
 * goes back to the head. A pump runs to the end at once while the store
 * answers at once, and goes on from a store's promise otherwise.
 */
export class Delivery {
  readonly #store: Pick<InboxStore, 'take' | 'giveBack' | 'release'>;
  readonly #readers: InboxReaders;
  readonly #timers: Timers;
  readonly #onBackgroundError: ((err: unknown) => void) | undefined;
  readonly #pumping = new Set<string>();
  readonly #again = new Set<string>();
  /** Inboxes whose next message is in flight to a reader elsewhere: when to look again. */
  readonly #retries = new Map<string, TimerHandle>();

  constructor(
    store: Pick<InboxStore, 'take' | 'giveBack' | 'release'>,
    readers: InboxReaders,
    timers: Timers,
    onBackgroundError: ((err: unknown) => void) | undefined,
  ) {
    this.#store = store;
    this.#readers = readers;
    this.#timers = timers;
    this.#onBackgroundError = onBackgroundError;
  }

  /** Whether a pump of the inbox is under way (waiting on the store, or delivering further up the stack). */
  busy(name: string): boolean {
    return this.#pumping.has(name);
  }

  /** Delivers what is queued to the inbox's reader; a pump already under way goes round once more instead. */
  pump(name: string): void {
    if (this.#pumping.has(name)) {
      this.#again.add(name);
      return;
    }
    this.#pumping.add(name);
    this.#pumpOn(name);
  }

  /**
   * A one-shot read while no other read of the inbox is under way on this
   * node: the pump's first turn without registering the reader, since a store
   * that answers at once leaves nothing to wait for. A store that waits after
   * all gets the pump's own path: registered, so reads of the inbox keep
   * their turn.
   */
  takeOnce(name: string, entry: Attached): void {
    const taken = this.#store.take(name, NO_CLAIM);
    if (isAsync(taken)) {
      this.#readers.attach(name, entry);
      this.#pumping.add(name);
      taken.then((message) => this.#pumpAfter(name, () => this.#handOver(name, message)), (err: unknown) => this.#pumpFailed(name, err));
      return;
    }
    this.handOverOnce(name, entry.reader, taken);
  }

  /**
   * Hands what a one-shot read took (store.take, store.readOnce) to its
   * reader: the message, or the end of an empty read. A message the reader
   * cannot take (the client went away) goes back to the head of the queue.
   * While another reader's message is in flight the read waits for it to be
   * delivered or given back, attached as the inbox's reader here.
   */
  handOverOnce(name: string, reader: Reader, taken: StoredMessage | InFlight | undefined): void {
    if (taken === undefined) return reader.finish('empty');
    if (isInFlight(taken)) {
      // A read of the inbox that came here meanwhile came after this one.
      if (this.#readers.has(name) || this.#pumping.has(name)) return reader.finish('replaced');
      this.#readers.attach(name, { reader, waits: false, epoch: NO_CLAIM, timer: null, watched: false, held: undefined });
      return this.#retryAfter(name, Math.min(taken.retryInMs, UNWATCHED_RETRY_MS));
    }
    if (reader.deliver(taken)) {
      if (taken.held !== undefined) this.#background(this.#store.release(name, taken.held));
      return;
    }
    this.#background(this.#store.giveBack(name, taken));
  }

  #background(done: unknown): void {
    if (isAsync(done)) done.catch((err: unknown) => this.#onBackgroundError?.(err));
  }

  /** Pumps the inbox again in `ms` (a later call replaces an earlier one). */
  #retryAfter(name: string, ms: number): void {
    const pending = this.#retries.get(name);
    if (pending !== undefined) this.#timers.clearTimeout(pending);
    this.#retries.set(name, this.#timers.setTimeout(() => {
      this.#retries.delete(name);
      this.pump(name);
    }, ms));
  }

  #pumpOn(name: string): void {
    try {
      for (;;) {
        this.#again.delete(name);
        const entry = this.#readers.get(name);
        if (!entry) break;
        if (!entry.reader.isOpen()) {
          this.#readers.detach(name, entry);
          continue;
        }
        if (!entry.reader.canAccept()) break;
        // Under its claim: replaced on another node meanwhile (the event not here yet), it takes nothing. The
        // message it was handed last has arrived: its hold goes with this take.
        const release = entry.held;
        entry.held = undefined;
        const taken = this.#store.take(name, entry.epoch, release);
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
      this.#onBackgroundError?.(err);
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

  /**
   * Delivers a taken message (or ends an empty read); a message the reader
   * could not take goes back first. While another reader's message is in
   * flight, looks again when its hold is released (a 'message' event) or
   * lapses.
   */
  #handOver(name: string, message: StoredMessage | InFlight | undefined): PumpStep {
    const current = this.#readers.get(name);
    if (message === undefined || isInFlight(message)) {
      if (this.#again.has(name)) return MORE;
      if (message !== undefined) {
        if (current) this.#retryAfter(name, current.watched ? message.retryInMs : Math.min(message.retryInMs, UNWATCHED_RETRY_MS));
      } else if (current && !current.waits) {
        this.#readers.end(name, current, 'empty');
      }
      return STOP;
    }
    if (current && current.reader.deliver(message)) {
      // Its hold goes with the reader's next take, or its detach.
      current.held = message.held;
      if (current.reader.single) this.#readers.detach(name, current);
      return MORE;
    }
    const back = this.#store.giveBack(name, message);
    if (!isAsync(back)) {
      if (current) this.#readers.detach(name, current);
      return MORE;
    }
    return back.then(() => {
      if (current) this.#readers.detach(name, current);
    });
  }

  #pumpFailed(name: string, err: unknown): void {
    this.#onBackgroundError?.(err);
    this.#pumpDone(name);
  }

  #pumpDone(name: string): void {
    this.#pumping.delete(name);
    this.#again.delete(name);
  }
}
