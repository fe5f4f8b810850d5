import { timingsFromSeconds, type ProgressTimings } from './progress/index.ts';
import type { LoopConfig } from './settings.ts';

/**
 * The Loop config's durations in milliseconds. The config file keeps the
 * spec's units (seconds, hours: settings.ts); this is the one place they are
 * converted, and the domain only sees these ms-named values.
 */
export interface LoopDurations {
  /** `hawkSessionDuration`: a session's life after its last authenticated request. */
  readonly sessionTtlMs: number;
  /** `callDuration`: a call's life from its creation (never extended). */
  readonly callDurationMs: number;
  /** `timers.*`: the §12.8 call-progress timers. */
  readonly progressTimings: ProgressTimings;
  /** `progressHelloTimeout`: a progress socket without `hello` by then is closed (4408). */
  readonly progressHelloTimeoutMs: number;
  /** `progressSocketLease`: a progress socket counts as present this long without its node renewing it. */
  readonly progressSocketLeaseMs: number;
  readonly rooms: RoomDurations;
}

/** The `rooms` section's durations. */
export interface RoomDurations {
  /** `rooms.participantTTL`: a participant's life without a refresh. */
  readonly participantTtlMs: number;
  /** `rooms.participantTTL` as the `expires` seconds a join or refresh answers (§8.10), unconverted. */
  readonly participantTtlSec: number;
  /** `rooms.deletedTTL`: a deleted-room notice's life. */
  readonly deletedTtlMs: number;
  /** `rooms.extendTTL`: how far activity pushes a room's end (§8.12). */
  readonly extendTtlMs: number;
}

const SEC_MS = 1000;
const HOUR_MS = 3600 * SEC_MS;

export function loopDurations(c: LoopConfig): LoopDurations {
  return Object.freeze({
    sessionTtlMs: c.hawkSessionDuration * SEC_MS,
    callDurationMs: c.callDuration * SEC_MS,
    progressTimings: timingsFromSeconds(c.timers),
    progressHelloTimeoutMs: c.progressHelloTimeout * SEC_MS,
    progressSocketLeaseMs: c.progressSocketLease * SEC_MS,
    rooms: Object.freeze({
      participantTtlMs: c.rooms.participantTTL * SEC_MS,
      participantTtlSec: c.rooms.participantTTL,
      deletedTtlMs: c.rooms.deletedTTL * SEC_MS,
      extendTtlMs: c.rooms.extendTTL * HOUR_MS,
    }),
  });
}
