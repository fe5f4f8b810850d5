import { performance } from 'node:perf_hooks'; // the global `performance` is a lazy getter, called on every read
import { errors, type AppError } from '../errors.ts';
import { frameAllowed, type FrameWindow } from '../limits/frame-counter.ts';
import type { ClientGate } from './client-gate.ts';
import { statusLine } from './status.ts';
import type { TemplatedApp, Uws, WebSocket, WebSocketBehavior } from './uws.ts';

/** What a sent frame became: 'ok' and 'buffered' (backpressure, still going out) mean accepted. */
export type SendStatus = 'ok' | 'buffered' | 'dropped' | 'closed';

/** An open WebSocket as a route sees it. Every write is corked (sends come after awaits and from timers). */
export interface WsPeer {
  /** false once the socket closed: nothing may be sent any more. */
  readonly open: boolean;
  send(text: string): SendStatus;
  /** Bytes queued in the socket and not yet written to the network. */
  bufferedAmount(): number;
  /** Sends a close frame; the route's `close` has run when this returns. */
  end(code: number, reason: string): void;
}

/**
 * What a route does with its sockets: it turns frames and closes into calls
 * on its session `S` and keeps no state of its own (the adapter keeps the
 * open sockets, the client key and the frame count).
 */
export interface WsHandlers<S> {
  /** A socket opened; its session. `client`: the key of per-client limits ('' when none). */
  open(peer: WsPeer, client: string): S;
  /** A frame within the frame rate. uWS: `message` is neutered when this returns; decode or copy it now. */
  message(session: S, message: ArrayBuffer, isBinary: boolean): void;
  /** A frame over `framesPerSec`: close the socket (the frame is not handed to `message`). */
  tooManyFrames(session: S, peer: WsPeer): void;
  /** The socket's send buffer drained. */
  drain?(session: S): void;
  /** The socket closed, whatever the cause; `peer.open` is already false. */
  close(session: S): void;
  /** Shutdown: close the socket with 1001 "going away". */
  goingAway(session: S, peer: WsPeer): void;
}

export interface WsOptions {
  /** uWS maxPayloadLength: on a larger frame uWS drops the connection (the client sees 1006 or 1009). */
  readonly maxPayloadBytes: number;
  /** uWS maxBackpressure: above this many buffered bytes a send is dropped ('dropped'). */
  readonly maxBackpressureBytes: number;
  /** uWS idleTimeout, in seconds (≥ 8, rounded to multiples of 4): a ping after this much silence, then a close. */
  readonly idleTimeoutSec: number;
  /** Frames per socket per second (0 or absent: no limit); over it `tooManyFrames`. */
  readonly framesPerSec?: number;
  /** Monotonic ms, for the frame count. */
  readonly now?: () => number;
  /** The body of a refused upgrade (429, 503; the status and Retry-After come from the error). Default: empty. */
  readonly refusalBody?: (err: AppError) => string;
  /**
   * A refusal to tell in the socket instead (a frame, then a close with
   * `code`), for an endpoint whose protocol says so; null: refused over HTTP.
   * A browser sees only 1006 of a refused upgrade, never its status.
   */
  readonly refuseInSocket?: (err: AppError) => SocketRefusal | null;
}

/** A refusal told in the socket: this frame, then a close with this code and reason. */
export interface SocketRefusal {
  readonly frame: string;
  readonly code: number;
  readonly reason: string;
}

export interface WsEndpoint {
  /** Open sockets (the websockets gauge). */
  readonly count: number;
  /** Shutdown: refuse new upgrades (503 shutting_down), then `goingAway` on every open socket. */
  closeAll(): void;
}

interface SocketData<S> extends FrameWindow {
  peer: UwsPeer | null;
  session: S | null;
  /** The client key (per-client limits), read at the upgrade. */
  client: string;
  /** A socket upgraded only to be told why it is refused (refuseInSocket): it counts nowhere and ends at once. */
  refusal: SocketRefusal | null;
}

const noBody = (): string => '';

/**
 * Registers a WebSocket route on the uWS app: the upgrade with the client
 * gate's checks, the connection count, the frame rate, and the open sockets
 * for the gauge and shutdown. `gate` null: no per-client checks.
 */
export function registerWebSocket<S>(
  app: TemplatedApp, uws: Uws, gate: ClientGate | null, pattern: string, o: WsOptions, h: WsHandlers<S>,
): WsEndpoint {
  const sockets = new Set<SocketData<S>>();
  let closing = false;
  const framesPerSec = o.framesPerSec ?? 0;
  const now = o.now ?? (() => performance.now());
  const refusalBody = o.refusalBody ?? noBody;

  const behavior: WebSocketBehavior<SocketData<S>> = {
    compression: uws.DISABLED,
    maxPayloadLength: o.maxPayloadBytes,
    maxBackpressure: o.maxBackpressureBytes,
    idleTimeout: o.idleTimeoutSec,
    sendPingsAutomatically: true,

    upgrade(res, req, context) {
      // uWS: the request dies when this callback returns; read the headers now.
      const key = req.getHeader('sec-websocket-key');
      const protocol = req.getHeader('sec-websocket-protocol');
      const extensions = req.getHeader('sec-websocket-extensions');
      const client = gate ? gate.clientOf(res, req.getHeader('x-forwarded-for')) : '';
      // Over a per-client limit (429), the connection cap or shutting down (503): refused before the upgrade.
      const refused = closing ? errors.shuttingDown() : gate?.admitUpgrade(client);
      const inSocket = refused && !closing ? o.refuseInSocket?.(refused) ?? null : null;
      if (refused && !inSocket) {
        const retryAfter = refused.headers.find(([name]) => name === 'Retry-After')?.[1] ?? '1';
        const body = refusalBody(refused);
        res.cork(() => res.writeStatus(statusLine(refused.status)).writeHeader('Retry-After', retryAfter).end(body, true));
        return;
      }
      const data: SocketData<S> = { peer: null, session: null, client, frameWindowMs: 0, frames: 0, refusal: inSocket };
      res.cork(() => res.upgrade<SocketData<S>>(data, key, protocol, extensions, context));
    },

    open(ws) {
      const data = ws.getUserData();
      if (data.refusal) {
        const { frame, code, reason } = data.refusal;
        ws.cork(() => {
          ws.send(frame, false);
          ws.end(code, reason);
        });
        return;
      }
      const peer = new UwsPeer(ws);
      gate?.connections?.add(data.client);
      data.peer = peer;
      data.session = h.open(peer, data.client);
      sockets.add(data);
    },

    message(ws, message, isBinary) {
      const data = ws.getUserData();
      if (data.refusal) return;
      if (framesPerSec !== 0 && !frameAllowed(data, now(), framesPerSec)) return h.tooManyFrames(data.session!, data.peer!);
      h.message(data.session!, message, isBinary);
    },

    close(ws) {
      const data = ws.getUserData();
      if (data.refusal) return; // it was never counted or handed to a handler
      // uWS: the socket is invalid from here on; mark it so nothing touches it again.
      data.peer!.closed = true;
      gate?.connections?.release(data.client);
      sockets.delete(data);
      h.close(data.session!);
    },
  };
  const drain = h.drain;
  if (drain) {
    // The handler runs after uWS's writable dispatch, never inside it. A frame of 16 KiB or more goes out
    // with one writev; when the kernel takes only part of it, uSockets arms the writable poll but does not
    // flag the failed write, so the dispatch disarms the poll as it returns: the rest of the frame stayed
    // in the socket's buffer until the next ping (the same bug: oven-sh/bun#38177). Sent from outside the
    // dispatch, the armed poll stays armed.
    behavior.drain = (ws) => {
      const data = ws.getUserData();
      if (data.refusal) return;
      setImmediate(() => {
        if (!data.peer!.closed) drain.call(h, data.session!);
      });
    };
  }
  app.ws<SocketData<S>>(pattern, behavior);

  return {
    get count() {
      return sockets.size;
    },
    closeAll() {
      closing = true;
      for (const data of [...sockets]) h.goingAway(data.session!, data.peer!);
    },
  };
}

/** uWS WebSocket → WsPeer. Every call is corked: sends happen after awaits and from timers, outside uWS callbacks. */
class UwsPeer implements WsPeer {
  closed = false;
  #text = '';
  #status = 1;
  /** Made once per socket, so that a send allocates no closure. */
  readonly #sendCorked = (): void => {
    this.#status = this.ws.send(this.#text, false);
  };

  constructor(private readonly ws: WebSocket<unknown>) {}

  get open(): boolean {
    return !this.closed;
  }

  send(text: string): SendStatus {
    if (this.closed) return 'closed';
    this.#text = text;
    this.ws.cork(this.#sendCorked);
    this.#text = '';
    // uWS send: 1 = written, 0 = buffered (backpressure, still goes out), 2 = dropped (over maxBackpressure).
    const status = this.#status;
    return status === 1 ? 'ok' : status === 0 ? 'buffered' : 'dropped';
  }

  bufferedAmount(): number {
    return this.closed ? 0 : this.ws.getBufferedAmount();
  }

  end(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    // uWS calls the close handler synchronously from end().
    this.ws.cork(() => this.ws.end(code, reason));
  }
}
