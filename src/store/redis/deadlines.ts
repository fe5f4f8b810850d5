import { StoreError } from '../errors.ts';
import { COMMAND_TIMEOUT_MS } from './timeouts.ts';

interface Pending {
  readonly due: number;
  readonly operation: string;
  readonly reject: (err: StoreError) => void;
}

/**
 * Gives up on a store operation Redis has not answered within `ms` of the
 * call, whatever held it up. ioredis's own command timeout only starts once a
 * command is written, and it writes one auto-pipelined batch at a time: while
 * Redis hangs with the connection open (a frozen host, dropped packets), a
 * command waits for the batch before it to time out first, so a request took
 * 1 to 2 s to get its 503 where scale-out asks for 1 s.
 *
 * One coarse timer for all (it runs only while something is pending), not one
 * per call: a call costs a Set entry. As with ioredis's own timeout, a command
 * given up on may still run once Redis answers again; nothing is acknowledged
 * that was not written.
 */
export class Deadlines {
  readonly #pending = new Set<Pending>();
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ms: number,
    private readonly tickMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** `work`, or a StoreError once it has taken longer than the deadline. */
  within<T>(work: Promise<T>, operation: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = { due: this.now() + this.ms, operation, reject };
      this.#pending.add(entry);
      this.#timer ??= setInterval(() => this.#expire(), this.tickMs).unref();
      work.then(
        (value) => {
          this.#settled(entry);
          resolve(value);
        },
        (err: unknown) => {
          this.#settled(entry);
          reject(err);
        },
      );
    });
  }

  #settled(entry: Pending): void {
    this.#pending.delete(entry);
    if (this.#pending.size === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  #expire(): void {
    const now = this.now();
    // A Set iterates in insertion order, and every entry has the same allowance: the due ones come first.
    for (const entry of this.#pending) {
      if (entry.due > now) break;
      this.#settled(entry);
      entry.reject(new StoreError(`${entry.operation}: Redis did not answer within ${this.ms} ms`));
    }
  }
}

/** How often Redis calls are checked against their deadline. */
const DEADLINE_TICK_MS = 100;

/**
 * The deadlines of every Redis call on a request's path (store operations, the
 * creation limits): answered, or given up on (503), within COMMAND_TIMEOUT_MS
 * of the call (scale-out: within 1 s), its allowance plus one tick of the check.
 */
export const redisDeadlines = new Deadlines(COMMAND_TIMEOUT_MS - DEADLINE_TICK_MS, DEADLINE_TICK_MS);
