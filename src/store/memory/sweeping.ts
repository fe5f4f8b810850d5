import type { Timers } from '../../clock.ts';

/** How a memory backend sweeps its expired entries by itself; absent in tests that call sweep() directly. */
export interface SweepSchedule {
  readonly timers: Timers;
  readonly everyMs: number;
}

/** Runs `sweep` on the schedule until the returned stop function is called (the backend's close()). */
export function startSweeping(schedule: SweepSchedule | undefined, sweep: () => unknown): () => void {
  if (!schedule) return () => {};
  const handle = schedule.timers.setInterval(() => void sweep(), schedule.everyMs);
  return () => schedule.timers.clearInterval(handle);
}
