import type { Logger } from 'pino';
import type { Timers } from '../clock.ts';
import { errors, type AppError } from '../errors.ts';
import { isStoreError, storeFailureFields } from '../store/errors.ts';
import type { HttpServer } from '../http/server.ts';
import type { WsEndpoint, WsHandlers } from '../http/websocket.ts';
import type { CredentialHasher } from './identity.ts';
import type { InboxService } from './service.ts';
import { CLOSE } from './ws-errors.ts';
import { WsSession } from './ws-session.ts';
import { errorFrame } from './ws-frames.ts';

/** Tunables of /inbox/ws (constructor options for now; candidates for src/config.ts). */
export interface InboxWsTunables {
  /** Time allowed for the auth frame. inbox.md: 5 s. */
  readonly authTimeoutMs: number;
  /** uWS idleTimeout, in seconds (≥ 8; uWS rounds to multiples of 4): a socket silent about this long is closed, a live one is pinged about every half of it (measured: 16 s of 32). Default 32. */
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
  readonly service: InboxService;
  readonly hasher: CredentialHasher;
  readonly timers: Timers;
  readonly maxMessageBytes: number;
  readonly log: Logger;
  /** Frames per socket per second (0: no limit); over it: error 429, close 4429. */
  readonly framesPerSec?: number;
  /** Monotonic ms, for the frame count. */
  readonly now?: () => number;
}

/** Open sockets (the websockets gauge) and shutdown: refuse new upgrades, close every socket with 1001 "going away". */
export type InboxWs = WsEndpoint;

/**
 * The largest frame a client may send: any legal message, however it is
 * encoded, plus room for the JSON around it (to, id, contentType: a few
 * hundred bytes). Text is JSON-escaped, and a control character becomes
 * `\u00XX`, six bytes for one: a send of up to maxMessageBytes of text must
 * get `sent` or an error frame, never a dropped connection. uWS closes the
 * connection on anything larger (close code 1009).
 */
export const maxPayloadFor = (maxMessageBytes: number): number => 6 * maxMessageBytes + 4096;
/** A maxMessageBytes body in base64, with its JSON: what the outgoing buffer allowance is sized by. */
const base64FrameFor = (maxMessageBytes: number): number => Math.ceil(maxMessageBytes / 3) * 4 + 4096;

const utf8 = new TextDecoder();
/** A refused upgrade (429, 503) carries the inbox JSON error. */
const jsonBody = (err: AppError): string => JSON.stringify(err);

/** Registers `/inbox/ws`. The handlers translate frames and closes into WsSession calls; WsSession holds the logic. */
export function registerInboxWebSocket(http: HttpServer, o: InboxWsOptions): InboxWs {
  const maxPayloadBytes = maxPayloadFor(o.maxMessageBytes);
  const maxBufferedBytes = o.highWaterBytes + 2 * base64FrameFor(o.maxMessageBytes);
  const onError = (err: unknown) => {
    if (isStoreError(err)) o.log.warn(storeFailureFields(err), 'inbox socket: storage unavailable');
    else o.log.error({ err }, 'inbox socket frame failed');
  };

  const handlers: WsHandlers<WsSession> = {
    open(peer, client) {
      const session = new WsSession(peer, { ...o, maxBufferedBytes, client, onError });
      session.opened();
      return session;
    },
    message(session, message, isBinary) {
      // uWS: `message` is neutered when this returns; decoding copies it.
      if (isBinary) session.onBinary();
      else session.onText(utf8.decode(message));
    },
    tooManyFrames: (session) => session.fail(errors.rateLimited(1), CLOSE.rateLimited),
    drain: (session) => session.onDrain(),
    close: (session) => session.onClose(),
    goingAway: (session) => session.fail(errors.shuttingDown(), CLOSE.goingAway),
  };

  return http.websocket('/inbox/ws', {
    maxPayloadBytes,
    idleTimeoutSec: o.idleTimeoutSec,
    // Above highWaterBytes no message is pushed, so pushes stop by
    // highWaterBytes + one message frame. Answers to `send` frames are what
    // grows past that when a client sends and never reads: above
    // maxBufferedBytes the session closes it with an error frame and 1008,
    // which still fit under this hard limit (where uWS drops frames, and a
    // close frame would never get out: the client saw 1006).
    maxBackpressureBytes: maxBufferedBytes + 2 * maxPayloadBytes,
    framesPerSec: o.framesPerSec,
    now: o.now,
    refusalBody: jsonBody,
    // inbox.md: over a per-client limit, an error frame with code 429 and close 4429 (503s stay HTTP answers).
    refuseInSocket: (err) => (err.status === 429 ? { frame: errorFrame(err), code: CLOSE.rateLimited, reason: err.code } : null),
  }, handlers);
}
