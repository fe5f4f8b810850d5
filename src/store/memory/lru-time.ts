import type { Clock } from '../../clock.ts';

/**
 * lru-cache TTLs on the injected clock, with the stores' boundary: an entry
 * written at t for `ttlMs` is live until t + ttlMs - 1 and gone at t + ttlMs
 * (like every other lifetime in the stores). lru-cache alone keeps it through
 * t + ttlMs: it drops an entry once `now - start > ttl`, so each entry's start
 * is set 1 ms early.
 */
export function lruTime(clock: Clock) {
  // +2: lru-cache treats a start of 0 as "no TTL", and a fake clock starts at 0 (start is now - 1).
  const perf = { now: () => clock.now() + 2 };
  // lru-cache reads a set's options at once and keeps nothing of them: one object serves every set.
  const setOptions = { ttl: 1, start: 0 };
  return {
    /** Cache options: read the clock every time (ttlResolution 0); entries always carry a TTL. */
    options: { perf, ttl: 1, ttlResolution: 0, noDisposeOnSet: true } as const,
    /** Set options for an entry living `ttlMs` from now (at least 1 ms: a TTL of 0 would mean forever). */
    ttl: (ttlMs: number) => {
      setOptions.ttl = Math.max(1, ttlMs);
      setOptions.start = perf.now() - 1;
      return setOptions;
    },
  };
}
