/**
 * The call-setup state model of loop-v1.md §12.4: a set of markers per call,
 * the visible state derived from how many are set. Pure data and functions.
 */

import type { CallState, Marker } from '../../store/call-state.ts';

export type { CallState, Marker, PublishedState, Role } from '../../store/call-state.ts';

/** State by marker count. Markers are only ever added in the states that allow them, so the count says it all. */
const BY_COUNT: readonly CallState[] = [
  'terminated',
  'init',
  'half-initiated',
  'alerting',
  'connecting',
  'half-connected',
  'connected',
];

/** The state of a call holding `count` distinct markers (0: terminated). */
export const stateForMarkerCount = (count: number): CallState => BY_COUNT[Math.min(count, BY_COUNT.length - 1)];

/** The state of a call holding these (distinct) markers. */
export const deriveState = (markers: readonly Marker[]): CallState => stateForMarkerCount(markers.length);

/** Every state but `terminated`: the call can still end. */
export const LIVE_STATES: readonly CallState[] = BY_COUNT.slice(1);

/** What a server timer or a closing socket may end: a live call that has not connected. */
export const UNCONNECTED_STATES: readonly CallState[] = LIVE_STATES.filter((s) => s !== 'connected');

/** `hello` reports the internal half-initiated state as `init` (§12.4). */
export const helloState = (state: CallState): Exclude<CallState, 'half-initiated'> =>
  state === 'half-initiated' ? 'init' : state;

/** §12.6: terminate reasons sent by clients. */
export const REASON_PATTERN = '^[A-Za-z0-9-]+$';

/** The §12.8 timer durations, in milliseconds (the config holds them in seconds, fractions allowed). */
export interface ProgressTimings {
  /** Started on every valid `hello`; ends a call still `half-initiated`. Default 10 000. */
  readonly supervisoryMs: number;
  /** Started on a callee `hello` that found init/half-initiated; ends a call still `alerting`. Default 30 000. */
  readonly ringingMs: number;
  /** Started on `accept`; ends a call not yet `connected`. Default 10 000. */
  readonly connectionMs: number;
}

export const DEFAULT_TIMINGS: ProgressTimings = Object.freeze({
  supervisoryMs: 10_000,
  ringingMs: 30_000,
  connectionMs: 10_000,
});

/** The config's §15 `timers` section (seconds, fractions allowed) as `ProgressTimings`. */
export const timingsFromSeconds = (t: {
  readonly supervisoryDuration: number;
  readonly ringingDuration: number;
  readonly connectionDuration: number;
}): ProgressTimings =>
  Object.freeze({
    supervisoryMs: t.supervisoryDuration * 1000,
    ringingMs: t.ringingDuration * 1000,
    connectionMs: t.connectionDuration * 1000,
  });
