/** A tiny typed listener registry (works the same in browsers and Node). */
export class Listeners<Events extends { [K in keyof Events]: (arg: never) => void }> {
  readonly #map = new Map<keyof Events, Set<Events[keyof Events]>>();

  on<K extends keyof Events>(event: K, listener: Events[K]): void {
    let set = this.#map.get(event);
    if (!set) this.#map.set(event, (set = new Set()));
    set.add(listener);
  }

  off<K extends keyof Events>(event: K, listener: Events[K]): void {
    this.#map.get(event)?.delete(listener);
  }

  count(event: keyof Events): number {
    return this.#map.get(event)?.size ?? 0;
  }

  /** Calls every listener; one that throws does not stop the others (its error is rethrown async). */
  emit<K extends keyof Events>(event: K, arg: Parameters<Events[K]>[0]): void {
    const set = this.#map.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as (a: typeof arg) => void)(arg);
      } catch (err) {
        setTimeout(() => {
          throw err;
        }, 0);
      }
    }
  }
}

/** An async iterator fed by push(); ends on end(), throws after fail(). */
export class MessageQueue<T> implements AsyncIterableIterator<T> {
  readonly #items: T[] = [];
  readonly #waiting: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void }[] = [];
  #done = false;
  #error: unknown = undefined;
  constructor(private readonly onReturn: (q: MessageQueue<T>) => void) {}

  push(item: T): void {
    if (this.#done) return;
    const waiter = this.#waiting.shift();
    if (waiter) waiter.resolve({ value: item, done: false });
    else this.#items.push(item);
  }

  /** No more items: waiting and later next() calls finish once the buffer is read. */
  end(error?: unknown): void {
    if (this.#done) return;
    this.#done = true;
    this.#error = error;
    for (const w of this.#waiting.splice(0)) {
      if (error !== undefined) w.reject(error);
      else w.resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#items.length > 0) return Promise.resolve({ value: this.#items.shift()!, done: false });
    if (this.#done) {
      const error = this.#error;
      this.#error = undefined; // thrown once, then the iterator is simply done
      return error !== undefined ? Promise.reject(error) : Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  /** `break` out of for-await: stop receiving. */
  return(): Promise<IteratorResult<T>> {
    this.end();
    this.#items.length = 0;
    this.onReturn(this);
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
