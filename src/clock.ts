/** Injected time, so domain code and its timers can be driven by tests. */
export interface Clock {
  /** Milliseconds on a monotonic scale (not wall-clock time). */
  now(): number;
}

export type TimerHandle = { readonly __timer: unique symbol } | object;

/** Injected timers; the real ones are unref'd so they never hold the process open. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  setInterval(fn: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle): void;
}

const origin = performance.now();

/** Monotonic milliseconds since this module loaded (small numbers, cheap to store). */
export const systemClock: Clock = { now: () => performance.now() - origin };

export const systemTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  setInterval: (fn, ms) => setInterval(fn, ms).unref(),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
};
