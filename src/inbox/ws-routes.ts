import type { Logger } from 'pino';
import type { Timers } from '../clock.ts';
import { errors } from '../errors.ts';
import { isStoreError, storeFailureFields } from '../store/errors.ts';
import type { ClientGate } from '../http/client-gate.ts';
import { statusLine } from '../http/status.ts';
import { frameAllowed, type FrameWindow } from '../limits/frame-counter.ts';
import type { TemplatedApp, Uws, WebSocket, WebSocketBehavior } from '../http/uws.ts';
import type { CredentialHasher } from './identity.ts';
import type { InboxService } from './service.ts';
import { CLOSE } from './ws-errors.ts';
import { WsSession, type PeerSocket, type SendStatus } from './ws-session.ts';

/** Tunables of /inbox/ws (constructor options for now; candidates for src/config.ts). */
export interface InboxWsTunables {
  /** Time allowed for the auth frame. inbox.md: 5 s. */
  readonly authTimeoutMs: number;
  /** uWS idleTimeout, in seconds (≥ 8; uWS rounds to multiples of 4): a ping goes out after this much silence, and a socket that stays silent is closed. Default 32. */
  readonly idleTimeoutSec: number;
  /** Messages are pushed only while the socket buffers less than this. Default 64 KiB. */
  readonly highWaterBytes: number;
  /** Frames received and not yet handled, per socket, before it is closed (1008). Default 100. */
  readonly maxPendingFrames: number;
}

export const WS_DEFAULTS: InboxWsTunables = {
  authTimeoutMs: 5000,
  idleTimeoutSec: 32,
  highWaterBytes: 64 * 1024,
  maxPendingFrames: 100,
};

export interface InboxWsOptions extends InboxWsTunables {
  readonly uws: Uws;
  readonly service: InboxService;
  readonly hasher: CredentialHasher;
  readonly timers: Timers;
  readonly maxMessageBytes: number;
  readonly log: Logger;
  /** Per-client checks at the upgrade and the connection count (null: none). */
  readonly gate?: ClientGate | null;
  /** Frames per socket per second (0: no limit); over it: error 429, close 4429. */
  readonly framesPerSec?: number;
  /** Monotonic ms, for the frame count. */
  readonly now?: () => number;
}

export interface InboxWs {
  /** Open sockets (the websockets gauge). */
  readonly count: number;
  /** Shutdown: refuse new upgrades, close every socket with 1001 "going away". */
  closeAll(): void;
}

interface SocketData extends FrameWindow {
  peer: UwsPeer | null;
  session: WsSession | null;
  /** The client key (per-client limits), read at the upgrade. */
  client: string;
}

/**
 * The largest frame a client may send: a maxMessageBytes body in base64 plus
 * room for the JSON around it (to, id, contentType: a few hundred bytes).
 * uWS closes the connection on anything larger (close code 1009).
 */
export const maxPayloadFor = (maxMessageBytes: number): number => Math.ceil(maxMessageBytes / 3) * 4 + 4096;

const utf8 = new TextDecoder();

/** Registers `/inbox/ws` on the uWS app. The callbacks translate and dispatch; WsSession holds the logic. */
export function registerInboxWebSocket(app: TemplatedApp, o: InboxWsOptions): InboxWs {
  const sessions = new Set<WsSession>();
  let closing = false;
  const maxPayloadLength = maxPayloadFor(o.maxMessageBytes);
  const maxBufferedBytes = o.highWaterBytes + 2 * maxPayloadLength;
  const gate = o.gate ?? null;
  const framesPerSec = o.framesPerSec ?? 0;
  const now = o.now ?? (() => performance.now());
  const logFailure = (err: unknown) => {
    if (isStoreError(err)) o.log.warn(storeFailureFields(err), 'inbox socket: storage unavailable');
    else o.log.error({ err }, 'inbox socket frame failed');
  };

  const behavior: WebSocketBehavior<SocketData> = {
    compression: o.uws.DISABLED,
    maxPayloadLength,
    idleTimeout: o.idleTimeoutSec,
    sendPingsAutomatically: true,
    // Above highWaterBytes no message is pushed, so pushes stop by
    // highWaterBytes + one message frame. Answers to `send` frames are what
    // grows past that when a client sends and never reads: above
    // maxBufferedBytes the session closes it with an error frame and 1008,
    // which still fit under this hard limit (where uWS drops frames, and a
    // close frame would never get out: the client saw 1006).
    maxBackpressure: maxBufferedBytes + 2 * maxPayloadLength,

    upgrade(res, req, context) {
      // uWS: the request dies when this callback returns; read the headers now.
      const key = req.getHeader('sec-websocket-key');
      const protocol = req.getHeader('sec-websocket-protocol');
      const extensions = req.getHeader('sec-websocket-extensions');
      const client = gate ? gate.clientOf(res, req.getHeader('x-forwarded-for')) : '';
      const refused = closing ? errors.shuttingDown() : gate?.admitUpgrade(client);
      if (refused) {
        const retryAfter = refused.headers.find(([name]) => name === 'Retry-After')?.[1] ?? '1';
        const body = JSON.stringify(refused);
        res.cork(() => res.writeStatus(statusLine(refused.status)).writeHeader('Retry-After', retryAfter).end(body, true));
        return;
      }
      const data: SocketData = { peer: null, session: null, client, frameWindowMs: 0, frames: 0 };
      res.cork(() => res.upgrade<SocketData>(data, key, protocol, extensions, context));
    },

    open(ws) {
      const peer = new UwsPeer(ws);
      const data = ws.getUserData();
      gate?.connections?.add(data.client);
      const session = new WsSession(peer, { ...o, maxBufferedBytes, client: data.client, onError: logFailure });
      data.peer = peer;
      data.session = session;
      sessions.add(session);
      session.opened();
    },

    message(ws, message, isBinary) {
      const data = ws.getUserData();
      const session = data.session!;
      if (!frameAllowed(data, now(), framesPerSec)) return session.fail(errors.rateLimited(1), CLOSE.rateLimited);
      // uWS: `message` is neutered when this callback returns; decoding copies it.
      if (isBinary) session.onBinary();
      else session.onText(utf8.decode(message));
    },

    drain(ws) {
      ws.getUserData().session!.onDrain();
    },

    close(ws) {
      const { peer, session, client } = ws.getUserData();
      // uWS: the socket is invalid from here on; mark it so nothing touches it again.
      peer!.closed = true;
      gate?.connections?.release(client);
      sessions.delete(session!);
      session!.onClose();
    },
  };
  app.ws<SocketData>('/inbox/ws', behavior);

  return {
    get count() {
      return sessions.size;
    },
    closeAll() {
      closing = true;
      for (const session of [...sessions]) session.fail(errors.shuttingDown(), CLOSE.goingAway);
    },
  };
}

/** uWS WebSocket → PeerSocket. Every call is corked (sends happen after awaits and from timers). */
class UwsPeer implements PeerSocket {
  closed = false;
  constructor(private readonly ws: WebSocket<SocketData>) {}

  get open(): boolean {
    return !this.closed;
  }

  send(text: string): SendStatus {
    if (this.closed) return 'closed';
    let result = 0;
    this.ws.cork(() => {
      result = this.ws.send(text, false);
    });
    // uWS send: 1 = written, 0 = buffered (backpressure, still goes out), 2 = dropped.
    return result === 1 ? 'ok' : result === 0 ? 'buffered' : 'dropped';
  }

  bufferedAmount(): number {
    return this.closed ? 0 : this.ws.getBufferedAmount();
  }

  end(code: number, reason: string): void {
    if (this.closed) return;
    // uWS calls the close handler synchronously from end().
    this.ws.cork(() => this.ws.end(code, reason));
  }
}
