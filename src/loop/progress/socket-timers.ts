import type { TimerHandle, Timers } from '../../clock.ts';

/** The timers one socket owns (§12.8): all cancelled together when it closes. */
export class SocketTimers {
  readonly #timers: Timers;
  readonly #pending = new Set<TimerHandle>();

  constructor(timers: Timers) {
    this.#timers = timers;
  }

  start(ms: number, fn: () => void): void {
    const handle = this.#timers.setTimeout(() => {
      this.#pending.delete(handle);
      fn();
    }, ms);
    this.#pending.add(handle);
  }

  cancelAll(): void {
    for (const handle of this.#pending) this.#timers.clearTimeout(handle);
    this.#pending.clear();
  }

  get size(): number {
    return this.#pending.size;
  }
}
