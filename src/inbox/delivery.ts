import type { InboxStore, StoredMessage } from '../store/inbox.ts';
import { isAsync } from '../store/maybe-async.ts';
import type { Reader } from './reader.ts';
import type { Attached, InboxReaders } from './readers.ts';

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
  readonly #store: Pick<InboxStore, 'take' | 'giveBack'>;
  readonly #readers: InboxReaders;
  readonly #onBackgroundError: ((err: unknown) => void) | undefined;
  readonly #pumping = new Set<string>();
  readonly #again = new Set<string>();

  constructor(store: Pick<InboxStore, 'take' | 'giveBack'>, readers: InboxReaders, onBackgroundError: ((err: unknown) => void) | undefined) {
    this.#store = store;
    this.#readers = readers;
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
    const taken = this.#store.take(name);
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
   */
  handOverOnce(name: string, reader: Reader, taken: StoredMessage | undefined): void {
    if (taken === undefined) return reader.finish('empty');
    if (reader.deliver(taken)) return;
    const back = this.#store.giveBack(name, taken);
    if (isAsync(back)) back.catch((err: unknown) => this.#onBackgroundError?.(err));
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
        // Under its claim: replaced on another node meanwhile (the event not here yet), it takes nothing.
        const taken = this.#store.take(name, entry.epoch === 0 ? undefined : entry.epoch);
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

  /** Delivers a taken message (or ends an empty read); a message the reader could not take goes back first. */
  #handOver(name: string, message: StoredMessage | undefined): PumpStep {
    const current = this.#readers.get(name);
    if (message === undefined) {
      if (this.#again.has(name)) return MORE;
      if (current && !current.waits) this.#readers.end(name, current, 'empty');
      return STOP;
    }
    if (current && current.reader.deliver(message)) {
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
