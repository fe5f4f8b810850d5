import type { Redis } from 'ioredis';

export type ChannelListener = (payload: string) => void;

/**
 * This node's subscriptions on its subscriber connection: a channel is
 * subscribed while it has a local listener, so a node hears only what its
 * own readers and sockets wait for. ioredis subscribes again by itself
 * after a reconnect; `onResubscribed` then tells the owner, which must
 * make up for what was published while the connection was down.
 */
export class Channels {
  readonly #sub: Redis;
  readonly #listeners = new Map<string, Set<ChannelListener>>();
  /** The SUBSCRIBE of a channel until Redis confirmed it. */
  readonly #pending = new Map<string, Promise<void>>();
  #connectedOnce = false;

  /** Our handlers on the subscriber connection: off after close() until the next listen (stores come and go on one connection). */
  readonly #onMessage: (channel: string, payload: string) => void;
  readonly #onReady: () => void;
  #attached = false;

  constructor(sub: Redis, onResubscribed: (channels: readonly string[]) => void, onError: (err: unknown) => void) {
    this.#sub = sub;
    this.#onMessage = (channel, payload) => this.deliver(channel, payload);
    this.#onReady = () => {
      if (!this.#connectedOnce) {
        this.#connectedOnce = true;
        return;
      }
      const channels = [...this.#listeners.keys()];
      if (channels.length === 0) return;
      // ioredis has sent its own SUBSCRIBE again; this one resolves once Redis has them all.
      sub.subscribe(...channels).then(() => onResubscribed(channels), onError);
    };
    this.#attach();
    if (sub.status === 'ready') this.#connectedOnce = true;
  }

  #attach(): void {
    if (this.#attached) return;
    this.#attached = true;
    this.#sub.on('message', this.#onMessage);
    this.#sub.on('ready', this.#onReady);
  }

  /** Listens to `channel`; returns the function that stops it (the last one unsubscribes). */
  listen(channel: string, listener: ChannelListener, onError: (err: unknown) => void): () => void {
    this.#attach();
    let set = this.#listeners.get(channel);
    if (!set) {
      this.#listeners.set(channel, (set = new Set()));
      const done = this.#sub.subscribe(channel).then(
        () => void this.#pending.delete(channel),
        (err: unknown) => {
          this.#pending.delete(channel);
          onError(err);
        },
      );
      this.#pending.set(channel, done);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size > 0 || this.#listeners.get(channel) !== set) return;
      this.#listeners.delete(channel);
      this.#sub.unsubscribe(channel).catch(() => {}); // gone or reconnecting: nothing to undo either way
    };
  }

  /** Hands `payload` to the channel's local listeners, as if Redis had published it (catch-up after a reconnect). */
  deliver(channel: string, payload: string): void {
    const listeners = this.#listeners.get(channel);
    if (listeners) for (const listener of listeners) listener(payload);
  }

  /** Resolves once the channel's SUBSCRIBE is in force (at once when it already is). */
  subscribed(channel: string): Promise<void> | undefined {
    return this.#pending.get(channel);
  }

  /** Stops every listener of this node and unsubscribes their channels. */
  close(): void {
    this.#attached = false;
    this.#sub.off('message', this.#onMessage);
    this.#sub.off('ready', this.#onReady);
    const channels = [...this.#listeners.keys()];
    this.#listeners.clear();
    if (channels.length > 0) this.#sub.unsubscribe(...channels).catch(() => {});
  }
}
