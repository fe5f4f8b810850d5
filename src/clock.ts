import { performance } from 'node:perf_hooks'; // the global `performance` is a lazy getter, called on every read
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
/** The reading pinned for the callback under way (pinNow), or -1 when none is. */
let pinned = -1;

/**
 * Monotonic milliseconds since this module loaded (small numbers, cheap to
 * store). Within a request callback the HTTP layer pinned (pinNow) it answers
 * the time the request came in: a GET's store calls then read no clock of
 * their own (each reading costs about 60 ns, and an empty GET made three).
 */
export const systemClock: Clock = { now: () => (pinned >= 0 ? pinned : performance.now() - origin) };

/**
 * Pins systemClock to `performanceNow` (a performance.now() reading) for the
 * synchronous callback under way; unpinNow() must end it in a `finally`
 * before the callback returns, so that nothing running later (timers,
 * promise continuations, other callbacks) sees a stale time.
 */
export function pinNow(performanceNow: number): void {
  pinned = performanceNow - origin;
}

export function unpinNow(): void {
  pinned = -1;
}

export const systemTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  setInterval: (fn, ms) => setInterval(fn, ms).unref(),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
};
