import { AppError, errors } from '../errors.ts';
import type { ConnectionCounter } from '../limits/connections.ts';
import { statusLine, statusLineBytes } from './status.ts';
import type { RequestInfo } from './server.ts';
import type { HttpResponse } from './uws.ts';

export type HeaderList = readonly (readonly [string, string])[];

/** Called once per finished response, for metrics and the access log (`body` as sent; none for HEAD, 204, 304). */
export type ReplyObserver = (route: string, status: number, startedMs: number, reply: Reply, body: string | Uint8Array | undefined) => void;

/**
 * Header lists that live as long as the server (CORS, caching), with their
 * bytes encoded once: uWS converts every string argument to UTF-8 in a fresh
 * allocation, while byte arrays it reads in place. Measured at ~0.3 µs per
 * request on GET /inbox.
 */
const ENCODED = new WeakMap<HeaderList, readonly Uint8Array[]>();

/** Freezes a header list (its bytes must stay true to it) and registers it to be written pre-encoded. Returns it. */
export function constantHeaders(list: HeaderList): HeaderList {
  for (const pair of list) Object.freeze(pair);
  Object.freeze(list);
  ENCODED.set(list, list.flatMap(([k, v]) => [Buffer.from(k, 'utf8'), Buffer.from(v, 'utf8')]));
  return list;
}

/**
 * The status line with a constant header list after it, as one byte string
 * for one writeStatus call: uWS writes "HTTP/1.1 " + status + CRLF, so the
 * headers ride along (one crossing into uWS instead of one per header).
 */
const STATUS_WITH = new WeakMap<HeaderList, Map<number, Uint8Array>>();

function statusWith(status: number, list: HeaderList): Uint8Array | undefined {
  let byStatus = STATUS_WITH.get(list);
  if (byStatus === undefined) {
    if (!ENCODED.has(list)) return undefined;
    STATUS_WITH.set(list, (byStatus = new Map()));
  }
  let bytes = byStatus.get(status);
  if (bytes === undefined) {
    const lines = headerLines(list, 0);
    bytes = Buffer.concat([statusLineBytes(status), Buffer.from(lines, 'utf8')]);
    byStatus.set(status, bytes);
  }
  return bytes;
}

function writeHeaders(res: HttpResponse, list: HeaderList): void {
  const n = list.length;
  if (n === 0) return;
  const bytes = ENCODED.get(list);
  if (bytes) {
    for (let i = 0; i < bytes.length; i += 2) res.writeHeader(bytes[i], bytes[i + 1]);
    return;
  }
  // uWS writes `key: value CRLF`: the other headers ride along in the first one's value,
  // the same bytes in one crossing into uWS (each string argument is a fresh UTF-8 copy there).
  res.writeHeader(list[0][0], list[0][1] + headerLines(list, 1));
}

/** `CRLF key: value` for each header of `list` from `from` on. */
function headerLines(list: HeaderList, from: number): string {
  let lines = '';
  for (let i = from; i < list.length; i++) lines += `\r\n${list[i][0]}: ${list[i][1]}`;
  return lines;
}

const JSON_TYPE = constantHeaders([['Content-Type', 'application/json']]);

/**
 * Bodies of at least this many bytes are streamed (tryEnd, then onWritable)
 * rather than handed whole to uWS: end() copies into the socket's buffer
 * whatever the client does not read, so a client that pipelines requests and
 * never reads grew server memory by one body per request. A streamed body is
 * held only as our reference, and uWS closes a connection that sends another
 * request while a response is still pending. Smaller bodies are not worth the
 * extra call.
 */
const STREAM_FROM_BYTES = 4096;

/**
 * One HTTP response on uWS, with the lifetime rules kept in this one place:
 * - `onAborted` is attached before the handler's synchronous part returns,
 *   when the response is not written by then (`endTick`) or a body is read;
 *   a response answered at once (the memory store's common case) needs none;
 * - after an abort nothing touches the native response again;
 * - writes made after an `await` or from a timer are corked, so they go out
 *   in one syscall and are legal; writes inside a uWS callback of this
 *   request (the handler, a body chunk) are corked by uWS already;
 * - body chunks are copied (uWS reuses their memory);
 * - a reply sent before the request body was read closes the connection,
 *   which is how uWS stops reading a body.
 */
export class Reply {
  #aborted = false;
  #cutOff = false;
  #done = false;
  #bodyPending: boolean;
  #abortListeners: (() => void)[] | null = null;
  /** The `done` of a body being read (receiveBody), until it is called. */
  #bodyDone: ((body: Uint8Array | AppError | null) => void) | null = null;
  /** The server's mapping of a handler's exception to a response (set by the server). */
  #failure: ((err: unknown, reply: Reply) => void) | null = null;
  /** Whether uWS has our onAborted handler. */
  #armed = false;
  /** Inside a uWS callback of this request (its handler, a body chunk): uWS has corked the socket. */
  #inTick = true;
  /** Headers added to every response of this request (CORS, caching). */
  common: HeaderList = [];
  /** Metrics label for this request; handlers may refine it. */
  route: string;
  /** A HEAD request: responses carry the headers only. */
  headOnly = false;
  /** The request this answers (the server's RequestInfo), for failure logs. */
  request: RequestInfo | null = null;
  /** Method and client address, set only when the access log is on. */
  access: { readonly method: string; readonly client: string } | undefined;
  /** Close the connection after the response (a refused connection). */
  closeConnection = false;
  /**
   * Hand the body over on the next turn of the event loop, or not at all if
   * the client went away by then (set by the server for a store that answers
   * later). uWS closes a connection when a request arrives pipelined behind
   * one not answered yet, and it does so after this request's callbacks, the
   * microtasks and process.nextTick ran, but before setImmediate: so a write
   * to the store (a POST's message) made at once would be carried out with
   * its answer lost, and the client's retry would send it twice. A turn later
   * the abort is known, and nothing is carried out.
   */
  bodyNextTurn = false;
  /** The connection slots this request holds (ClientGate), given back once answered or aborted. */
  #slots: ConnectionCounter | null = null;
  #client: string | null = null;

  constructor(
    private readonly res: HttpResponse,
    route: string,
    hasBody: boolean,
    private readonly startedMs: number,
    private readonly observe: ReplyObserver,
  ) {
    this.route = route;
    this.#bodyPending = hasBody;
  }

  /** Sets how `fail` answers: the server's one mapping of exceptions (store failures, bugs) to responses. */
  failWith(failure: (err: unknown, reply: Reply) => void): void {
    this.#failure = failure;
  }

  /** A handler's work failed outside the handler itself (a body callback, a later promise): answer as the server does. */
  fail(err: unknown): void {
    if (this.#failure) this.#failure(err, this);
    else if (!this.finished) this.error(errors.internal());
  }

  /**
   * The end of the handler's synchronous part: from now on writes are corked,
   * and a response still open learns of the client going away. uWS: called
   * before the handler returns.
   */
  endTick(): void {
    this.#inTick = false;
    if (!this.#done) this.#arm();
  }

  #arm(): void {
    if (this.#armed || this.#aborted) return;
    this.#armed = true;
    this.res.onAborted(() => {
      this.#aborted = true;
      this.#releaseSlot();
      this.#bodyGone();
      const listeners = this.#abortListeners;
      this.#abortListeners = null;
      if (listeners) for (const l of listeners) l();
    });
  }

  /** Holds a slot of the total until the response is written or aborted, and one of `client` when given. */
  holdSlot(slots: ConnectionCounter, client: string | null): void {
    this.#slots = slots;
    this.#client = client;
  }

  /** Adds a slot of `client` to the slot held (a request found still busy after its first turn). */
  holdClientSlot(client: string): void {
    this.#client = client;
  }

  #releaseSlot(): void {
    const slots = this.#slots;
    if (slots === null) return;
    this.#slots = null;
    slots.releaseTotal();
    if (this.#client !== null) slots.releaseClient(this.#client);
  }

  /** true when the client went away: this reply must not be written. */
  get aborted(): boolean {
    return this.#aborted;
  }

  /** true once a response was written or the client went away. */
  get finished(): boolean {
    return this.#done || this.#aborted;
  }

  /** Runs `listener` when the client goes away, or when the request is cut off (see cutOff); at once if it already was. */
  onAbort(listener: () => void): void {
    if (this.#aborted || this.#cutOff) return listener();
    (this.#abortListeners ??= []).push(listener);
  }

  /**
   * Ends the request for its handler as if the client had gone away: a
   * refusal (the client's connection cap) was written while the handler was
   * still at work, so its abort listeners run (a long-poll lets go of its
   * inbox, a body being read resolves to null) and what it writes is dropped.
   */
  cutOff(): void {
    this.#cutOff = true;
    this.#bodyGone();
    const listeners = this.#abortListeners;
    this.#abortListeners = null;
    if (listeners) for (const l of listeners) l();
  }

  /** Writes the whole response. Returns false if it could not (aborted or already sent). */
  send(status: number, headers: HeaderList, body?: string | Uint8Array): boolean {
    if (this.#done || this.#aborted) return false;
    this.#done = true;
    this.#releaseSlot();
    const res = this.res;
    const close = this.#bodyPending || this.closeConnection;
    // A HEAD answer has no body (a body would be read as the next response).
    const sent = body === undefined || status === 204 || status === 304 || this.headOnly ? undefined : body;
    if (this.#inTick) this.#write(status, headers, sent, close);
    else res.cork(() => this.#write(status, headers, sent, close));
    this.observe(this.route, status, this.startedMs, this, sent);
    return true;
  }

  #write(status: number, headers: HeaderList, sent: string | Uint8Array | undefined, close: boolean): void {
    const res = this.res;
    const common = this.common;
    const head = statusWith(status, common);
    if (head === undefined && common.length === 0 && headers.length > 0 && !ENCODED.has(headers)) {
      // No common headers and none pre-encoded: the status line and every header in one call, as statusWith does.
      res.writeStatus(statusLine(status) + headerLines(headers, 0));
      return this.#end(sent, close);
    }
    if (head !== undefined) {
      res.writeStatus(head);
    } else {
      res.writeStatus(statusLineBytes(status));
      writeHeaders(res, this.common);
    }
    writeHeaders(res, headers);
    this.#end(sent, close);
  }

  #end(sent: string | Uint8Array | undefined, close: boolean): void {
    const res = this.res;
    // endWithoutBody() alone sends no Content-Length (right for 204); given
    // arguments it would announce a bogus length, so a closing 204 uses end().
    if (sent === undefined && !close) res.endWithoutBody();
    else if (sent === undefined || close) res.end(sent, close);
    else if (typeof sent === 'string' ? sent.length < STREAM_FROM_BYTES : sent.byteLength < STREAM_FROM_BYTES) res.end(sent);
    else this.#stream(typeof sent === 'string' ? Buffer.from(sent, 'utf8') : sent);
  }

  /** Writes `body` as far as the socket takes it now; the rest goes out as the client reads (inside send's cork). */
  #stream(body: Uint8Array): void {
    const res = this.res;
    const total = body.byteLength;
    const start = res.getWriteOffset();
    const [, done] = res.tryEnd(body, total);
    if (done) return;
    this.#arm(); // the rest goes out after the handler: uWS must be able to tell us of an abort
    // uWS: onWritable gets the offset written so far; it is not called after an abort.
    res.onWritable((offset) => {
      const [ok] = res.tryEnd(body.subarray(offset - start), total);
      return ok;
    });
  }

  json(status: number, value: unknown, headers: HeaderList = []): boolean {
    return this.send(status, headers.length ? [...JSON_TYPE, ...headers] : JSON_TYPE, JSON.stringify(value));
  }

  /** Writes an inbox-style error: status, its headers, JSON body {code, error, message}. */
  error(err: AppError): boolean {
    return this.json(err.status, err, err.headers);
  }

  /**
   * Reads the request body, at most `limit` bytes. Must be called in the
   * handler's synchronous part. Calls `done` once, with the bytes, an AppError
   * (413 when over the limit, announced or actual) or null when the client
   * went away (or the request was cut off): at once when the outcome is known
   * now, else from uWS's last body chunk (its socket corked: a reply written
   * there goes out as if from the handler) or from the abort.
   */
  receiveBody(limit: number, contentLength: number | undefined, done: (body: Uint8Array | AppError | null) => void): void {
    if (contentLength !== undefined && contentLength > limit) return done(errors.messageTooLarge(limit));
    if (this.#aborted || this.#cutOff) return done(null);
    if (this.bodyNextTurn) {
      this.#arm();
      const now = done;
      done = (body) => void setImmediate(() => {
        try {
          now(this.#aborted || this.#cutOff ? null : body);
        } catch (err) {
          this.fail(err); // answered as a handler's exception is, never thrown into the event loop
        }
      });
    }
    if (!this.#bodyPending) return done(EMPTY_BODY);
    this.#arm();
    this.#bodyDone = done;
    let first: Buffer | null = null;
    let more: Buffer[] | null = null;
    let size = 0;
    this.res.onData((chunk, isLast) => {
      const settle = this.#bodyDone;
      if (settle === null) return; // settled: over the limit, or the client went away
      size += chunk.byteLength;
      if (size > limit) {
        this.#bodyDone = null;
        return this.#inCallback(settle, errors.messageTooLarge(limit));
      }
      if (chunk.byteLength > 0) {
        const copy = Buffer.allocUnsafe(chunk.byteLength); // copy: uWS reuses the memory
        copy.set(new Uint8Array(chunk));
        if (first === null) first = copy;
        else (more ??= []).push(copy);
      }
      if (isLast) {
        this.#bodyDone = null;
        this.#bodyPending = false;
        this.#inCallback(settle, more === null ? (first ?? EMPTY_BODY) : Buffer.concat([first!, ...more], size));
      }
    });
  }

  /** A body being read ends with null: the client went away, or the request was cut off. */
  #bodyGone(): void {
    const settle = this.#bodyDone;
    if (settle === null) return;
    this.#bodyDone = null;
    settle(null);
  }

  /** Runs a body callback from uWS: writes need no cork there, and an exception is answered, never thrown into uWS. */
  #inCallback<T>(fn: (value: T) => void, value: T): void {
    const outer = this.#inTick;
    this.#inTick = true;
    try {
      fn(value);
    } catch (err) {
      this.fail(err);
    } finally {
      this.#inTick = outer;
    }
  }
}

const EMPTY_BODY = new Uint8Array(0);
