import type { CallState, PublishedState } from './call-state.ts';

/**
 * What the call-progress WebSocket sends (loop-v1.md §12.2) and the closed
 * table of its error reasons (§12.10). The strings are wire contract: byte
 * for byte as the original server sent them.
 */

export const VALID_EVENTS = ['accept', 'media-up', 'terminate'] as const;
export type ActionEvent = (typeof VALID_EVENTS)[number];

export const errorReasons = {
  malformed: 'Malformed message.',
  unknownMessageType: 'Unknown messageType',
  missingParameters: (names: readonly string[]) => `Missing parameters: ${names.join(', ')}`,
  badCallId: 'bad callId',
  badAuthentication: 'bad authentication',
  invalidEvent: (event: string) => `${event} state is invalid. Should be one of: ${VALID_EVENTS.join(', ')}`,
  invalidReason: 'Invalid reason: should be alphanumeric',
  noTransition: (state: CallState, event: ActionEvent) => `No transition from ${state} state with ${event} event.`,
  /** An `action` before a successful `hello` (the original's storage assertion, kept as the wire text). */
  noCallId: 'callId should not be undefined',
  serviceUnavailable: 'Service Unavailable',
  /** Ours: no `hello` within `progressHelloTimeout` of the socket opening (then close 4408). */
  helloTimeout: 'No hello received in time.',
} as const;

/** §12.12 reasons the server itself sends. */
export const serverReasons = {
  timeout: 'timeout',
  closed: 'closed',
  answeredElsewhere: 'answered-elsewhere',
} as const;

export type ServerMessage =
  | { readonly messageType: 'hello'; readonly state: Exclude<CallState, 'half-initiated'>; readonly reason?: string }
  | { readonly messageType: 'progress'; readonly state: PublishedState; readonly reason?: string }
  | { readonly messageType: 'error'; readonly reason: string }
  /** `echo` is absent when the client's echo had none. */
  | { readonly messageType: 'echo'; readonly echo?: unknown };

/** WebSocket close codes the session uses. */
export const closeCodes = {
  /** Every close the protocol asks for (after an error, `connected`, `terminated`). */
  normal: 1000,
  /** A frame above the 64 KiB cap (§12.1). */
  tooBig: 1009,
  /** Ours: a binary frame (§12.1 wants text frames), after the "Malformed message." error. */
  unsupportedData: 1003,
  /** Ours: no `hello` in time (the application range; 408 as in HTTP's Request Timeout). */
  helloTimeout: 4408,
} as const;

/**
 * The one thing the session needs from the transport. The uWS adapter turns
 * `send` into one JSON text frame and `close` into `ws.end(code, reason)`,
 * and calls `ProgressSession.closed()` from its close handler.
 */
export interface ProgressSocket {
  send(message: ServerMessage): void;
  close(code?: number, reason?: string): void;
}
