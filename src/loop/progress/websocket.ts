import type { Logger } from 'pino';
import type { Timers } from '../../clock.ts';
import type { ClientGate } from '../../http/client-gate.ts';
import { statusLine } from '../../http/status.ts';
import { isStoreError, storeFailureFields } from '../../store/errors.ts';
import { frameAllowed, type FrameWindow } from '../../limits/frame-counter.ts';
import type { TemplatedApp, Uws, WebSocket, WebSocketBehavior } from '../../http/uws.ts';
import {
  MAX_FRAME_BYTES, ProgressSession,
  type CallStateStore, type DevicePresence, type ProgressSocket, type ProgressTimings, type ServerMessage,
} from './index.ts';

/**
 * The call-progress WebSocket on uWS (loop-v1.md §12): the only Loop code that
 * touches uWS. It translates frames and closes into `ProgressSession` calls
 * and holds no call state; the session and the `CallStateStore` hold it all.
 */

export interface ProgressWsOptions {
  readonly uws: Uws;
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
  /** Per-client checks at the upgrade and the connection count (null: none). */
  readonly gate?: ClientGate | null;
  /** Frames per socket per second (0: no limit); over it the socket is closed 1008. */
  readonly framesPerSec?: number;
  /** Monotonic ms, for the frame count. */
  readonly now?: () => number;
}

export interface ProgressWs {
  /** Open sockets (part of the websockets gauge). */
  readonly count: number;
  /** Shutdown: refuse new upgrades, close every socket with 1001 "going away". */
  closeAll(): void;
}

interface SocketData extends FrameWindow {
  socket: UwsProgressSocket | null;
  session: ProgressSession | null;
  /** The client key (per-client limits), read at the upgrade. */
  client: string;
}

const GOING_AWAY = 1001;
const HARD_FRAME_LIMIT = 2 * MAX_FRAME_BYTES;
/** A client that leaves this much unread (echoes of up to 64 KiB) is let go: a dropped progress message would break the protocol. */
const MAX_BACKPRESSURE_BYTES = 4 * MAX_FRAME_BYTES;
const POLICY_VIOLATION = 1008;

/** Registers the call-progress WebSocket on the uWS app. Register it before the Loop catch-all route. */
export function registerProgressWebSocket(app: TemplatedApp, o: ProgressWsOptions): ProgressWs {
  const sockets = new Set<UwsProgressSocket>();
  let closing = false;
  // Either way the socket gets §12.10's "Service Unavailable" and is closed (ProgressSession); a store outage is logged without a stack.
  const onError = (err: unknown) => {
    if (isStoreError(err)) o.log.warn(storeFailureFields(err), 'call-progress socket: storage unavailable');
    else o.log.error({ err }, 'call-progress socket failed');
  };
  const gate = o.gate ?? null;
  const framesPerSec = o.framesPerSec ?? 0;
  const now = o.now ?? (() => performance.now());

  const behavior: WebSocketBehavior<SocketData> = {
    compression: o.uws.DISABLED,
    // §12.1 wants a close 1009 above 64 KiB. uWS, over its own limit, drops
    // the connection while the rest of the frame is unread, so the client sees
    // a reset (1006), not a close frame. Hence uWS takes up to twice the cap
    // and the session closes with 1009 (decodeFrame's 'too-large'); only
    // beyond that does uWS drop the connection.
    maxPayloadLength: HARD_FRAME_LIMIT,
    maxBackpressure: MAX_BACKPRESSURE_BYTES,
    idleTimeout: o.idleTimeoutSec ?? 32,
    sendPingsAutomatically: true,

    upgrade(res, req, context) {
      // uWS: the request dies when this callback returns; read the headers now.
      const key = req.getHeader('sec-websocket-key');
      const protocol = req.getHeader('sec-websocket-protocol');
      const extensions = req.getHeader('sec-websocket-extensions');
      const client = gate ? gate.clientOf(res, req.getHeader('x-forwarded-for')) : '';
      if (closing) {
        res.cork(() => res.writeStatus(statusLine(503)).writeHeader('Retry-After', '1').end('', true));
        return;
      }
      // Over a per-client limit (429) or the connection cap (503): refused before the upgrade, no body.
      const refused = gate?.admitUpgrade(client);
      if (refused) {
        const retryAfter = refused.headers.find(([name]) => name === 'Retry-After')?.[1] ?? '1';
        res.cork(() => res.writeStatus(statusLine(refused.status)).writeHeader('Retry-After', retryAfter).end('', true));
        return;
      }
      const data: SocketData = { socket: null, session: null, client, frameWindowMs: 0, frames: 0 };
      res.cork(() => res.upgrade<SocketData>(data, key, protocol, extensions, context));
    },

    open(ws) {
      const socket = new UwsProgressSocket(ws);
      const data = ws.getUserData();
      gate?.connections?.add(data.client);
      data.socket = socket;
      data.session = new ProgressSession(socket, {
        store: o.store, timers: o.timers, timings: o.timings, onError,
        ...(o.presence !== undefined && { presence: o.presence }),
        ...(o.helloTimeoutMs !== undefined && { helloTimeoutMs: o.helloTimeoutMs }),
        ...(o.maxJsonDepth !== undefined && { maxJsonDepth: o.maxJsonDepth }),
      });
      sockets.add(socket);
    },

    message(ws, message, isBinary) {
      // uWS: `message` is neutered when this callback returns; `receive`
      // decodes it synchronously. A binary frame is refused (§12.1: text
      // frames), with "Malformed message." and close 1003.
      const data = ws.getUserData();
      if (!frameAllowed(data, now(), framesPerSec)) return data.socket!.close(POLICY_VIOLATION, 'Too many frames');
      void data.session!.receive(message, isBinary);
    },

    close(ws) {
      const { socket, session, client } = ws.getUserData();
      // uWS: the socket is invalid from here on; mark it so nothing touches it again.
      socket!.closed = true;
      gate?.connections?.release(client);
      sockets.delete(socket!);
      void session!.closed();
    },
  };
  app.ws<SocketData>(o.path, behavior);

  return {
    get count() {
      return sockets.size;
    },
    closeAll() {
      closing = true;
      for (const socket of [...sockets]) socket.close(GOING_AWAY, 'Server shutting down');
    },
  };
}

/**
 * uWS WebSocket → ProgressSocket. Sends come from broadcasts, timers and after
 * awaits, i.e. outside this socket's uWS callbacks: every write is corked.
 */
class UwsProgressSocket implements ProgressSocket {
  closed = false;
  constructor(private readonly ws: WebSocket<SocketData>) {}

  send(message: ServerMessage): void {
    if (this.closed) return;
    const text = JSON.stringify(message);
    let status = 1;
    this.ws.cork(() => {
      status = this.ws.send(text, false);
    });
    // uWS send: 1 = written, 0 = buffered (still goes out), 2 = dropped (over maxBackpressure).
    if (status === 2) this.close(POLICY_VIOLATION, 'Too much unread data');
  }

  close(code?: number, reason?: string): void {
    if (this.closed) return;
    this.closed = true;
    // uWS calls the close handler synchronously from end().
    this.ws.cork(() => this.ws.end(code ?? 1000, reason ?? ''));
  }
}
