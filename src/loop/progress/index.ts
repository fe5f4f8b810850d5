/**
 * The Loop call-progress WebSocket domain (loop-v1.md §12): everything but
 * the uWS wiring. The WebSocket adapter builds one `ProgressSession` per
 * socket; each node keeps one `DevicePresence` (its sockets' leases) and one
 * `DuePoller`; the call-creation code stores each call with `CallStateStore.create`.
 */
export {
  DEFAULT_TIMINGS, deriveState, helloState, LIVE_STATES, REASON_PATTERN, stateForMarkerCount, timingsFromSeconds,
  UNCONNECTED_STATES,
  type CallState, type Marker, type ProgressTimings, type PublishedState, type Role,
} from './call-state.ts';
export { applyAction, type ActionOutcome } from './actions.ts';
export { deliveryFor, type Delivery, type Recipient } from './delivery.ts';
export {
  ActionMessage, decodeFrame, EchoMessage, HelloMessage, MAX_FRAME_BYTES,
  type ClientMessage, type Decoded,
} from './frames.ts';
export { MemoryCallStateStore, type MemoryCallStateStoreOptions } from '../../store/memory/call-state.ts';
export {
  closeCodes, errorReasons, serverReasons, VALID_EVENTS,
  type ActionEvent, type ProgressSocket, type ServerMessage,
} from './protocol.ts';
export { roleFor } from './role.ts';
export { ProgressSession, type ProgressSessionDeps } from './session.ts';
export { DevicePresence, type DevicePresenceOptions } from './presence.ts';
export { DuePoller, duePollEveryMs, type DuePollerOptions } from './due-poller.ts';
export type {
  CallRecord, CallStateStore, DeadlineKind, DeviceRef, Firing, LeaveOutcome, MarkerOutcome, NewCall, PlacedCall,
  StateChange, StateListener,
} from '../../store/call-state.ts';
