import type { TimerHandle, Timers } from '../../clock.ts';
import type { CallStateStore, Firing } from '../../store/call-state.ts';

/**
 * How often a node polls: a third of the socket lease, at most 1 s. A timer
 * whose node died fires at most this late; a dead node's socket counts as
 * closed at most the lease plus this after its last renewal.
 */
export const duePollEveryMs = (leaseMs: number): number => Math.min(1000, leaseMs / 3);

export interface DuePollerOptions {
  readonly store: CallStateStore;
  readonly timers: Timers;
  /** Poll interval, ms. */
  readonly everyMs: number;
  readonly onError?: (err: unknown) => void;
  /** Each thing a poll fired (tests, logs). */
  readonly onFired?: (firing: Firing) => void;
}

/**
 * Every node polls the call store for what fell due (`fireDue`): deadlines
 * whose own node did not fire them and devices whose lease lapsed. The store
 * hands each to one poller only, so a deployment fires each once; a node that
 * died simply stops polling.
 */
export class DuePoller {
  readonly #o: DuePollerOptions;
  readonly #timer: TimerHandle;
  #polling = false;

  constructor(options: DuePollerOptions) {
    this.#o = options;
    this.#timer = options.timers.setInterval(() => void this.pollNow(), Math.max(1, options.everyMs));
  }

  /** One poll (the interval runs it; overlapping polls are skipped). */
  async pollNow(): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    try {
      for (const firing of await this.#o.store.fireDue()) this.#o.onFired?.(firing);
    } catch (err) {
      this.#o.onError?.(err);
    } finally {
      this.#polling = false;
    }
  }

  stop(): void {
    this.#o.timers.clearInterval(this.#timer);
  }
}
