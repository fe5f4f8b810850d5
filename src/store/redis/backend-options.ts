import type { Clock } from '../../clock.ts';
import type { SweepSchedule } from '../memory/sweeping.ts';
import type { RedisConnection } from './connection.ts';

/** What every Redis backend is built with. */
export interface RedisBackendOptions {
  readonly redis: RedisConnection;
  /** Tests only: the scripts read this clock instead of Redis's (every node of a deployment must use Redis's). */
  readonly clock?: Clock;
  /** Sweep expired entries on this schedule; absent: only when met, by the key backstops, and by sweep(). */
  readonly sweep?: SweepSchedule;
  /** A background call (a sweep, a catch-up after a reconnect) failed. */
  readonly onBackgroundError?: (err: unknown) => void;
}
