import type { TimerHandle, Timers } from '../clock.ts';
import { AppError, errors, isError } from '../errors.ts';
import { isStoreError } from '../store/errors.ts';
import type { ClientRef } from '../limits/index.ts';
import type { CredentialHasher, Owner } from './identity.ts';
import type { EndReason } from './reader.ts';
import type { InboxService } from './service.ts';
import {
  contentTypeOk, errorFrame, isMalformed, parseClientFrame, sendBody, sentFrame,
  type AuthFrame, type ClientFrame, type SendFrame,
} from './ws-frames.ts';
import { CLOSE, authCloseCode, wsErrors } from './ws-errors.ts';
import { SocketReader } from './ws-reader.ts';

/** What a sent frame became: 'ok' and 'buffered' (backpressure, still going out) mean accepted. */
export type SendStatus = 'ok' | 'buffered' | 'dropped' | 'closed';

/** The transport's socket as the session sees it (src/http/websocket.ts's WsPeer fits it). */
export interface PeerSocket {
  /** false once the socket closed: nothing may be sent any more. */
  readonly open: boolean;
  send(text: string): SendStatus;
  /** Bytes queued in the socket and not yet written to the network. */
  bufferedAmount(): number;
  /** Sends a close frame; the transport then calls `onClose`. */
  end(code: number, reason: string): void;
}

export interface WsSessionOptions {
  readonly service: InboxService;
  readonly hasher: CredentialHasher;
  readonly timers: Timers;
  /** Time allowed for the auth frame (inbox.md: 5 s). */
  readonly authTimeoutMs: number;
  /** A message is taken off the queue only while the socket buffers less than this. */
  readonly highWaterBytes: number;
  /** Frames received and not yet handled, above which the socket is closed (1008). */
  readonly maxPendingFrames: number;
  /**
   * Bytes buffered for a client above which it counts as not reading: its
   * next answer is replaced by an error frame and close 1008. Must stay below
   * the transport's own hard limit (uWS maxBackpressure), where frames are
   * dropped and a close frame could not get out.
   */
  readonly maxBufferedBytes: number;
  readonly onError?: (err: unknown) => void;
  /** The client key of per-client limits (the socket's address); '' when none. */
  readonly client?: string;
}

type State = 'auth' | 'open' | 'closed';

const DEFAULT_TYPE = 'application/octet-stream';
const encoder = new TextEncoder();
const LONE_SURROGATE = /\p{Surrogate}/u;
/** A socket reader waits for messages for as long as it lives (no long-poll timer). */
const FOREVER = Number.POSITIVE_INFINITY;

/**
 * One `/inbox/ws` connection: auth, then the owner's reader plus `send`
 * frames. Frames are handled one at a time, in arrival order, so acks and
 * queued messages keep the order the client sent them in.
 */
export class WsSession {
  #state: State = 'auth';
  #owner: Owner | null = null;
  #reader: SocketReader | null = null;
  #authTimer: TimerHandle | null = null;
  #chain: Promise<void> = Promise.resolve();
  #pending = 0;

  readonly #who: ClientRef;

  constructor(readonly peer: PeerSocket, private readonly o: WsSessionOptions) {
    this.#who = { client: o.client ?? '' };
  }

  /** The socket opened: the auth frame must come within authTimeoutMs. */
  opened(): void {
    this.#authTimer = this.o.timers.setTimeout(() => {
      this.#authTimer = null;
      if (this.#state === 'auth') this.fail(wsErrors.authTimeout(this.o.authTimeoutMs), CLOSE.authTimeout);
    }, this.o.authTimeoutMs);
  }

  onText(text: string): void {
    if (this.#state === 'closed') return;
    if (++this.#pending > this.o.maxPendingFrames) return this.fail(wsErrors.backpressure(), CLOSE.policy);
    this.#chain = this.#chain.then(async () => {
      try {
        await this.#handle(text);
      } catch (err) {
        this.o.onError?.(err);
        this.fail(errors.internal(), CLOSE.internal);
      } finally {
        this.#pending--;
      }
    });
  }

  onBinary(): void {
    this.fail(wsErrors.binaryFrame(), CLOSE.malformed);
  }

  /** The socket's buffer drained: deliver what waited. */
  onDrain(): void {
    if (this.#reader && this.#owner) this.o.service.resume(this.#owner.name);
  }

  /** The socket closed (any cause): the inbox's TTL starts now (service.release → store.readerEnded). */
  onClose(): void {
    this.#state = 'closed';
    this.#clearAuthTimer();
    if (this.#reader && this.#owner) this.o.service.release(this.#owner.name, this.#reader);
  }

  /** Sends an error frame, then closes with `code`. */
  fail(err: AppError, code: number): void {
    if (!this.peer.open) return;
    this.peer.send(errorFrame(err));
    this.peer.end(code, err.code);
  }

  /** The reader was ended by the service. */
  readerEnded(reason: EndReason): void {
    if (reason === 'replaced') this.fail(wsErrors.replaced(), CLOSE.replaced);
    else if (reason === 'gone') this.fail(wsErrors.inboxGone(), CLOSE.gone);
    else if (reason === 'shutdown') this.fail(errors.shuttingDown(), CLOSE.goingAway);
    else if (this.peer.open) this.peer.end(CLOSE.normal, reason);
  }

  async #handle(text: string): Promise<void> {
    if (this.#state === 'closed') return;
    const frame = parseClientFrame(text);
    if (isMalformed(frame)) return this.fail(wsErrors.malformed(frame.malformed), CLOSE.malformed);
    try {
      await (handlers[frame.type] as (s: WsSession, f: ClientFrame) => Promise<void>)(this, frame);
    } catch (err) {
      if (!isStoreError(err)) throw err; // a bug: error frame 500 and close 1011 (onText)
      this.#storeFailed(err, frame);
    }
  }

  /**
   * The one place a store failure becomes frames on this surface: a `send`
   * gets the error frame (code 503, storage_unavailable, with its id) and the
   * socket stays open; a failed `auth` leaves no reader, so its error frame
   * is followed by close 1013 (try again later), like any 503 at auth.
   */
  #storeFailed(err: unknown, frame: ClientFrame): void {
    this.o.onError?.(err);
    if (frame.type === 'auth') return this.fail(errors.storageUnavailable(), CLOSE.tryAgainLater);
    if (this.peer.open) this.peer.send(errorFrame(errors.storageUnavailable(), frame.id));
  }

  async authenticate(frame: AuthFrame): Promise<void> {
    if (this.#state !== 'auth') return this.fail(wsErrors.alreadyAuthenticated(), CLOSE.malformed);
    this.#clearAuthTimer();
    const owner = LONE_SURROGATE.test(frame.password)
      ? errors.invalidPassword('it is not valid UTF-8')
      : this.o.hasher.owner(frame.username, encoder.encode(frame.password));
    if (isError(owner)) return this.fail(owner, authCloseCode(owner.status));
    const reader = new SocketReader(this, this.o.highWaterBytes);
    // Known before read() attaches the reader, so that a close at any point releases it.
    this.#owner = owner;
    this.#reader = reader;
    const failed = await this.o.service.read(owner, reader, FOREVER, this.#who);
    if (failed) return this.fail(failed, authCloseCode(failed.status));
    if (!this.peer.open) return;
    this.#state = 'open';
    reader.sendReady();
  }

  async send(frame: SendFrame): Promise<void> {
    if (this.#state !== 'open' || !this.#owner) return this.fail(wsErrors.authFirst(), CLOSE.unauthorized);
    const outcome = await this.#queue(this.#owner, frame);
    if (!this.peer.open) return;
    if (this.peer.bufferedAmount() > this.o.maxBufferedBytes) return this.fail(wsErrors.backpressure(), CLOSE.policy);
    const status = this.peer.send(outcome ? errorFrame(outcome, frame.id) : sentFrame(frame.id));
    if (status === 'dropped') this.fail(wsErrors.backpressure(), CLOSE.policy);
  }

  async #queue(owner: Owner, frame: SendFrame): Promise<AppError | undefined> {
    if (frame.contentType !== undefined && !contentTypeOk(frame.contentType)) return wsErrors.invalidContentType();
    if (frame.encoding !== 'base64' && LONE_SURROGATE.test(frame.data)) {
      return wsErrors.invalidData('it holds a lone UTF-16 surrogate, which is not text');
    }
    const body = sendBody(frame);
    if (body === null) return wsErrors.invalidData('it is not valid base64');
    return this.o.service.send(owner, frame.to, frame.contentType ?? DEFAULT_TYPE, body, this.#who);
  }

  #clearAuthTimer(): void {
    if (this.#authTimer !== null) this.o.timers.clearTimeout(this.#authTimer);
    this.#authTimer = null;
  }
}

/** Frame handlers by `type`: the socket callback only decodes and dispatches. */
const handlers: { [K in ClientFrame['type']]: (s: WsSession, f: Extract<ClientFrame, { type: K }>) => Promise<void> } = {
  auth: (s, f) => s.authenticate(f),
  send: (s, f) => s.send(f),
};
