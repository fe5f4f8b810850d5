import type { Logger } from 'pino';
import type { Timers } from '../../clock.ts';
import type { HttpServer } from '../../http/server.ts';
import type { WsEndpoint, WsHandlers, WsPeer } from '../../http/websocket.ts';
import { isStoreError, storeFailureFields } from '../../store/errors.ts';
import {
  MAX_FRAME_BYTES, ProgressSession,
  type CallStateStore, type DevicePresence, type ProgressSocket, type ProgressTimings, type ServerMessage,
} from './index.ts';

/**
 * The call-progress WebSocket (loop-v1.md §12). It translates frames and
 * closes into `ProgressSession` calls and holds no call state; the session
 * and the `CallStateStore` hold it all.
 */

export interface ProgressWsOptions {
  /** `progressURLEndpoint` (default `/websocket`); a query string is ignored. */
  readonly path: string;
  readonly store: CallStateStore;
  readonly timers: Timers;
  /** The §12.8 timer durations (`timingsFromSeconds(config.loop.timers)`). */
  readonly timings: ProgressTimings;
  /** Renews the sockets' device leases (absent: devices are leased for their call's life). */
  readonly presence?: DevicePresence;
  readonly log: Logger;
  /** uWS idleTimeout in seconds (≥ 8, rounded to multiples of 4): a ping after this much silence, then a close. Default 32. */
  readonly idleTimeoutSec?: number;
  /** `progressHelloTimeout` in ms: a socket without `hello` by then is closed (4408). */
  readonly helloTimeoutMs?: number;
  /** `limits.jsonDepth`: deepest nesting of a frame's JSON. */
  readonly maxJsonDepth?: number;
  /** Frames per socket per second (0: no limit); over it the socket is closed 1008. */
  readonly framesPerSec?: number;
  /** Monotonic ms, for the frame count. */
  readonly now?: () => number;
}

/** Open sockets (part of the websockets gauge) and shutdown: refuse new upgrades, close every socket with 1001 "going away". */
export type ProgressWs = WsEndpoint;

const GOING_AWAY = 1001;
const HARD_FRAME_LIMIT = 2 * MAX_FRAME_BYTES;
/** A client that leaves this much unread (echoes of up to 64 KiB) is let go: a dropped progress message would break the protocol. */
const MAX_BACKPRESSURE_BYTES = 4 * MAX_FRAME_BYTES;
const POLICY_VIOLATION = 1008;

/** Registers the call-progress WebSocket. Register it before the Loop catch-all route. */
export function registerProgressWebSocket(http: HttpServer, o: ProgressWsOptions): ProgressWs {
  // Either way the socket gets §12.10's "Service Unavailable" and is closed (ProgressSession); a store outage is logged without a stack.
  const onError = (err: unknown) => {
    if (isStoreError(err)) o.log.warn(storeFailureFields(err), 'call-progress socket: storage unavailable');
    else o.log.error({ err }, 'call-progress socket failed');
  };

  const handlers: WsHandlers<ProgressSession> = {
    open: (peer) => new ProgressSession(new ProgressPeer(peer), {
      store: o.store, timers: o.timers, timings: o.timings, onError,
      ...(o.presence !== undefined && { presence: o.presence }),
      ...(o.helloTimeoutMs !== undefined && { helloTimeoutMs: o.helloTimeoutMs }),
      ...(o.maxJsonDepth !== undefined && { maxJsonDepth: o.maxJsonDepth }),
    }),
    // uWS: `message` is neutered when this returns; `receive` decodes it
    // synchronously. A binary frame is refused (§12.1: text frames), with
    // "Malformed message." and close 1003.
    message: (session, message, isBinary) => void session.receive(message, isBinary),
    tooManyFrames: (_session, peer) => peer.end(POLICY_VIOLATION, 'Too many frames'),
    close: (session) => void session.closed(),
    goingAway: (_session, peer) => peer.end(GOING_AWAY, 'Server shutting down'),
  };

  return http.websocket(o.path, {
    // §12.1 wants a close 1009 above 64 KiB. uWS, over its own limit, drops
    // the connection while the rest of the frame is unread, so the client sees
    // a reset (1006), not a close frame. Hence uWS takes up to twice the cap
    // and the session closes with 1009 (decodeFrame's 'too-large'); only
    // beyond that does uWS drop the connection.
    maxPayloadBytes: HARD_FRAME_LIMIT,
    maxBackpressureBytes: MAX_BACKPRESSURE_BYTES,
    idleTimeoutSec: o.idleTimeoutSec ?? 32,
    framesPerSec: o.framesPerSec,
    now: o.now,
    // A refused upgrade (429, 503) has no body.
  }, handlers);
}

/** WsPeer → ProgressSocket: messages go out as JSON text; one that cannot be buffered ends the socket. */
class ProgressPeer implements ProgressSocket {
  constructor(private readonly peer: WsPeer) {}

  send(message: ServerMessage): void {
    if (!this.peer.open) return;
    // 'dropped': over maxBackpressure. A lost progress message would break the protocol.
    if (this.peer.send(JSON.stringify(message)) === 'dropped') this.close(POLICY_VIOLATION, 'Too much unread data');
  }

  close(code?: number, reason?: string): void {
    this.peer.end(code ?? 1000, reason ?? '');
  }
}
