import type { TimerHandle, Timers } from '../clock.ts';
import { NO_CLAIM, type InboxStore } from '../store/inbox.ts';
import { isAsync, then, type MaybeAsync } from '../store/maybe-async.ts';
import type { EndReason, Reader } from './reader.ts';
import type { InboxWatches } from './watches.ts';

/** A reader attached to an inbox on this node. */
export interface Attached {
  readonly reader: Reader;
  readonly waits: boolean;
  /** The store claim that makes this the inbox's one reader, on every node (0: a one-shot read, which has none). */
  readonly epoch: number;
  /** A long-poll's wait, or a socket's lease renewal. */
  timer: TimerHandle | null;
  /** Whether it holds a reference on the inbox's watch (a one-shot read does not). */
  readonly watched: boolean;
  /** The hold (StoredMessage.held) of the message it was handed last, until released. */
  held: string | undefined;
}

export interface InboxReadersOptions {
  readonly store: Pick<InboxStore, 'renew' | 'unclaim' | 'exists' | 'release'>;
  readonly timers: Timers;
  readonly watches: InboxWatches;
  readonly socketLeaseMs: number;
  readonly onBackgroundError?: ((err: unknown) => void) | undefined;
}

/**
 * The one reader per inbox on this node, and what it holds while attached:
 * its timer (a long-poll's wait, a socket's lease renewal), its store claim
 * and its reference on the inbox's watch, all given up when it goes.
 */
export class InboxReaders {
  readonly #o: InboxReadersOptions;
  readonly #readers = new Map<string, Attached>();

  constructor(options: InboxReadersOptions) {
    this.#o = options;
  }

  get size(): number {
    return this.#readers.size;
  }

  get(name: string): Attached | undefined {
    return this.#readers.get(name);
  }

  has(name: string): boolean {
    return this.#readers.has(name);
  }

  /** Makes `entry` the inbox's reader on this node, ending an older one here. */
  attach(name: string, entry: Attached): void {
    const previous = this.#readers.get(name);
    if (previous) this.end(name, previous, 'replaced'); // its own 'replaced' event may still be on its way (another node's store)
    this.#readers.set(name, entry);
  }

  /** A long-poll ends when its wait is up; a socket's claim is renewed every third of its lease. */
  startTimer(name: string, entry: Attached, waitMs: number): void {
    if (entry.reader.single) {
      entry.timer = this.#o.timers.setTimeout(() => this.end(name, entry, 'timeout'), waitMs);
    } else {
      entry.timer = this.#o.timers.setInterval(() => this.#renew(name, entry), this.#o.socketLeaseMs / 3);
    }
  }

  end(name: string, entry: Attached, reason: EndReason): void {
    if (this.#readers.get(name) === entry) this.detach(name, entry);
    else this.#clearTimer(entry);
    entry.reader.finish(reason);
  }

  endAll(reason: EndReason): void {
    for (const [name, entry] of [...this.#readers]) this.end(name, entry, reason);
  }

  detach(name: string, entry: Attached): void {
    this.#clearTimer(entry);
    // Already detached (a socket closed from inside deliver()) or replaced by a
    // newer reader during an await: that one must stay attached.
    if (this.#readers.get(name) !== entry) return;
    this.#readers.delete(name);
    const held = entry.held;
    entry.held = undefined;
    if (entry.epoch !== NO_CLAIM) this.unclaim(name, entry.epoch, held);
    else if (held !== undefined) this.#background(() => this.#o.store.release(name, held));
    if (entry.watched) this.#o.watches.unwatchCurrent(name);
  }

  /** Gives a claim up (and the hold of the message its reader was handed last) in the background. */
  unclaim(name: string, epoch: number, held?: string): void {
    this.#background(() => this.#o.store.unclaim(name, epoch, held));
  }

  /** Nobody waits for it: a failure is only logged. */
  #background(call: () => MaybeAsync<unknown>): void {
    try {
      const done = call();
      if (isAsync(done)) done.catch((err: unknown) => this.#o.onBackgroundError?.(err));
    } catch (err) {
      this.#o.onBackgroundError?.(err);
    }
  }

  #clearTimer(entry: Attached): void {
    if (entry.timer === null) return;
    if (entry.reader.single) this.#o.timers.clearTimeout(entry.timer);
    else this.#o.timers.clearInterval(entry.timer);
    entry.timer = null;
  }

  /**
   * A claim lost without an event (a missed message) ends the socket too: as
   * 'replaced' when the inbox still exists (a newer reader holds it), as
   * 'gone' when it does not (deleted or expired, or lost with a Redis that
   * restarted without its data).
   */
  #renew(name: string, entry: Attached): void {
    const current = () => this.#readers.get(name) === entry;
    const renewed = (held: boolean): MaybeAsync<void> => {
      if (held || !current()) return;
      return then(this.#o.store.exists(name), (exists) => {
        if (current()) this.end(name, entry, exists ? 'replaced' : 'gone');
      });
    };
    try {
      const done = then(this.#o.store.renew(name, entry.epoch, this.#o.socketLeaseMs), renewed);
      if (isAsync(done)) done.catch((err: unknown) => this.#o.onBackgroundError?.(err));
    } catch (err) {
      this.#o.onBackgroundError?.(err);
    }
  }
}
