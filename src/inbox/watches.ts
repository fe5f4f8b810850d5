import type { InboxEvent, InboxStore } from '../store/inbox.ts';

/** This node's subscription to one inbox's events, shared by the reads of that inbox. */
export interface Watch {
  readonly unwatch: () => void;
  /** The newest claim seen: a read whose claim is older was replaced before it attached. */
  latestEpoch: number;
  /** Reads attached or on their way. */
  refs: number;
}

/**
 * The inboxes this node watches, one store subscription per inbox however
 * many reads share it, dropped with the last of them.
 */
export class InboxWatches {
  readonly #store: Pick<InboxStore, 'watch'>;
  readonly #onEvent: (event: InboxEvent) => void;
  readonly #watches = new Map<string, Watch>();

  constructor(store: Pick<InboxStore, 'watch'>, onEvent: (event: InboxEvent) => void) {
    this.#store = store;
    this.#onEvent = onEvent;
  }

  /** Takes a reference on the inbox's watch, subscribing when it is the first. */
  watch(name: string): Watch {
    let watch = this.#watches.get(name);
    if (!watch) {
      const unwatch = this.#store.watch(name, (event) => this.#heard(event));
      this.#watches.set(name, (watch = { unwatch, latestEpoch: 0, refs: 0 }));
    }
    watch.refs++;
    return watch;
  }

  /** Drops a reference; the last one unsubscribes. */
  unwatch(name: string, watch: Watch): void {
    if (--watch.refs > 0 || this.#watches.get(name) !== watch) return;
    this.#watches.delete(name);
    watch.unwatch();
  }

  /** Drops a reference on the inbox's current watch, if there is one. */
  unwatchCurrent(name: string): void {
    const watch = this.#watches.get(name);
    if (watch) this.unwatch(name, watch);
  }

  #heard(event: InboxEvent): void {
    if (event.type === 'replaced') {
      const watch = this.#watches.get(event.name);
      if (watch && event.epoch > watch.latestEpoch) watch.latestEpoch = event.epoch;
    }
    this.#onEvent(event);
  }
}
