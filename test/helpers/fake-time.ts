import type { Clock, TimerHandle, Timers } from '../../src/clock.ts';

interface Pending {
  at: number;
  fn: () => void;
  every: number | null;
  id: number;
}

/** A clock and timers that move only when the test says so. */
export class FakeTime implements Clock, Timers {
  #now = 0;
  #seq = 0;
  #pending = new Map<number, Pending>();

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.#add(fn, ms, null);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.#add(fn, ms, Math.max(1, ms));
  }

  clearTimeout(handle: TimerHandle): void {
    this.#pending.delete((handle as { id: number }).id);
  }

  clearInterval(handle: TimerHandle): void {
    this.clearTimeout(handle);
  }

  /** Timers not yet fired. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Moves time forward by `ms`, firing due timers in order (each at its own time). */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let next: Pending | undefined;
      for (const p of this.#pending.values()) if (p.at <= end && (!next || p.at < next.at || (p.at === next.at && p.id < next.id))) next = p;
      if (!next) break;
      this.#now = next.at;
      if (next.every === null) this.#pending.delete(next.id);
      else next.at += next.every;
      next.fn();
    }
    this.#now = end;
  }

  #add(fn: () => void, ms: number, every: number | null): TimerHandle {
    const id = ++this.#seq;
    this.#pending.set(id, { at: this.#now + Math.max(0, ms), fn, every, id });
    return { id } as unknown as TimerHandle;
  }
}
