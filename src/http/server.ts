import { performance } from 'node:perf_hooks'; // the global `performance` is a lazy getter, called on every read
import type { Logger } from 'pino';
import { pinNow, unpinNow } from '../clock.ts';
import { errors, type AppError } from '../errors.ts';
import { isStoreError, storeFailureFields } from '../store/errors.ts';
import type { ConnectionCounter } from '../limits/connections.ts';
import type { ClientGate, GatedRequest } from './client-gate.ts';
import { ListenError, whyCannotListen } from './listening.ts';
import { Reply, type HeaderList, type ReplyObserver } from './reply.ts';
import type { HttpRequest, HttpResponse, LoadedCore, TemplatedApp, us_listen_socket } from './uws.ts';
import { registerWebSocket, type WsEndpoint, type WsHandlers, type WsOptions } from './websocket.ts';

/** What a handler may know of a request: copied out of uWS before any await. */
export interface RequestInfo {
  /** Upper-case method. */
  readonly method: string;
  readonly path: string;
  /** Raw query string, without '?'. */
  readonly query: string;
  /** The headers the route asked for, by lower-case name ('' when absent). */
  readonly headers: Readonly<Record<string, string>>;
  /** Route parameters (`:name` segments), in order. */
  readonly params: readonly string[];
  /** Announced body length, if any. */
  readonly contentLength: number | undefined;
  /**
   * The key of per-client limits: the client's address (the peer, or what a
   * trusted proxy forwarded), an IPv6 one as its /64 network; '' when
   * per-client limits are off. Read on first use (it costs an allocation in
   * uWS): read it only when a limit counts the request, never up front.
   */
  readonly client: string;
}

export type Handler = (req: RequestInfo, reply: Reply) => void | Promise<void>;

export type Method = 'get' | 'post' | 'put' | 'patch' | 'del' | 'options' | 'head' | 'any';

export interface RouteOptions {
  /** Lower-case header names the handler reads. */
  readonly headers?: readonly string[];
  /**
   * Lower-case header names read only for requests of the given upper-case
   * methods (an 'any' route's OPTIONS-only headers): one call into uWS fewer
   * per header for every other method, where the handler sees ''.
   */
  readonly methodHeaders?: Readonly<Record<string, readonly string[]>>;
  /** How many `:param` segments the pattern has. */
  readonly params?: number;
  /**
   * The route never reads a request body: its length headers are not read
   * (two calls into uWS fewer) and a body sent anyway is skipped by uWS
   * itself, which parses it by its length or chunks and drops it.
   */
  readonly noBody?: boolean;
  /** Headers put on every response of the route, errors included. */
  readonly common?: (req: RequestInfo) => HeaderList;
  /** Writes a refusal by the client gate (429, 503) in the route's error format; default: the inbox JSON error. */
  readonly refuse?: (req: RequestInfo, reply: Reply, err: AppError) => void;
}

const BODY_HEADERS = ['content-length', 'transfer-encoding'];
/** uWS ListenOptions (a const enum in its typings). */
const LIBUS_LISTEN_DEFAULT = 0;
const LIBUS_LISTEN_EXCLUSIVE_PORT = 1;
const METHOD_NAMES: Record<Exclude<Method, 'any'>, string> = {
  get: 'GET', post: 'POST', put: 'PUT', patch: 'PATCH', del: 'DELETE', options: 'OPTIONS', head: 'HEAD',
};
/** Shared by the routes without `:param` segments (most): no array per request. */
const NO_PARAMS: readonly string[] = Object.freeze([]);

/**
 * The thin layer over uWS: routes get a plain RequestInfo and a Reply.
 * Nothing outside src/http touches uWS objects.
 */
export class HttpServer {
  readonly app: TemplatedApp;
  readonly #core: LoadedCore;
  readonly #log: Logger;
  readonly #observe: ReplyObserver;
  readonly #gate: ClientGate | null;
  #listenSocket: us_listen_socket | null = null;

  readonly #accessLog: boolean;
  /** Request bodies reach their handlers on the next turn of the event loop (Reply.bodyNextTurn). */
  readonly #bodiesNextTurn: boolean;
  /** `#failed` for replies, made once: a reply's `fail` answers as a handler's exception is answered. */
  readonly #failedReply = (err: unknown, reply: Reply): void => this.#failed(err, reply, reply.request!);

  /**
   * `gate`: the per-client checks run before every handler (null: none).
   * `accessLog`: one info line per response (method, route, status, duration, bytes, client; no credentials, no bodies).
   * `bodiesNextTurn`: see Reply.bodyNextTurn (for a store that answers later).
   */
  constructor(
    core: LoadedCore, log: Logger, observe: ReplyObserver,
    options: { gate?: ClientGate | null; accessLog?: boolean; bodiesNextTurn?: boolean } = {},
  ) {
    this.#core = core;
    this.#log = log;
    this.#gate = options.gate ?? null;
    this.#accessLog = options.accessLog ?? false;
    this.#bodiesNextTurn = options.bodiesNextTurn ?? false;
    this.#observe = this.#accessLog ? withAccessLog(observe, log) : observe;
    this.app = core.uws.App();
  }

  route(method: Method, pattern: string, label: string, options: RouteOptions, handler: Handler): this {
    const gate = this.#gate;
    const withBody = !options.noBody;
    const names = [...new Set([...(options.noBody ? [] : BODY_HEADERS), ...(options.headers ?? []), ...(gate?.headers ?? [])])];
    // Asked for as bytes: uWS reads byte arrays in place, but converts each string argument in a fresh allocation.
    const keys = names.map((name) => Buffer.from(name, 'latin1'));
    const byMethod = new Map<string, { names: string[]; keys: Uint8Array[] }>();
    for (const [m, list] of Object.entries(options.methodHeaders ?? {})) {
      const extra = list.filter((name) => !names.includes(name));
      byMethod.set(m, { names: [...names, ...extra], keys: [...keys, ...extra.map((name) => Buffer.from(name, 'latin1'))] });
    }
    const paramCount = options.params ?? 0;
    // What needs no call into uWS: a pattern without ':' or '*' is the path itself (uWS does not decode
    // paths), and only an 'any' route sees more than one method (uWS never hands HEAD to a 'get' route).
    const fixedPath = /[:*]/.test(pattern) ? null : pattern;
    const common = options.common;
    const refuse = options.refuse ?? ((_req: RequestInfo, reply: Reply, err: AppError) => void reply.error(err));
    const fixedMethod = method === 'any' ? null : METHOD_NAMES[method];
    this.app[method](pattern, (res: HttpResponse, req: HttpRequest) => {
      const started = performance.now();
      const m = fixedMethod ?? req.getCaseSensitiveMethod().toUpperCase();
      const own = byMethod.size === 0 ? undefined : byMethod.get(m);
      const info = readRequest(req, res, gate, own?.names ?? names, own?.keys ?? keys, paramCount, fixedPath, m, withBody);
      const hasBody = (info.contentLength ?? 0) > 0 || (info.headers['transfer-encoding'] ?? '') !== '';
      const reply = new Reply(res, label, hasBody, started, this.#observe);
      reply.bodyNextTurn = this.#bodiesNextTurn;
      info.reply = reply;
      reply.request = info;
      reply.failWith(this.#failedReply);
      info.refuser = refuse;
      reply.headOnly = info.method === 'HEAD';
      if (this.#accessLog) reply.access = { method: info.method, client: info.client || remoteAddress(res) };
      if (common) reply.common = common(info);
      pinNow(started);
      try {
        this.#handle(handler, refuse, info, reply);
      } finally {
        reply.endTick(); // uWS: an open response must have its onAborted before this callback returns
        unpinNow();
      }
    });
    return this;
  }

  /** A WebSocket route (src/http/websocket.ts); its upgrades pass the same client gate as requests. */
  websocket<S>(pattern: string, options: WsOptions, handlers: WsHandlers<S>): WsEndpoint {
    return registerWebSocket(this.app, this.#core.uws, this.#gate, pattern, options, handlers);
  }

  #handle(handler: Handler, refuse: Refuser, info: Incoming, reply: Reply): void {
    const gate = this.#gate;
    if (gate) {
      const refused = gate.admitRequest(info);
      if (refused) {
        // Over a connection cap: close, so that the refused connection frees its descriptor.
        reply.closeConnection = refused.code !== 'rate_limited';
        return refuse(info, reply, refused);
      }
    }
    if (Number.isNaN(info.contentLength)) {
      reply.json(400, { code: 400, error: 'bad_content_length', message: 'Content-Length is not a number.' });
      return;
    }
    try {
      const result = handler(info, reply);
      if (result) result.catch((err) => this.#failed(err, reply, info));
    } catch (err) {
      this.#failed(err, reply, info);
    }
  }

  /** Answers 404 (JSON) for every path no route matched. */
  notFound(common?: (req: RequestInfo) => HeaderList): this {
    return this.route('any', '/*', 'not_found', { common }, (_req, reply) => void reply.error(errors.notFound()));
  }

  /**
   * Binds host:port (port 0: a free one) and resolves to the port. The port is
   * exclusive unless `reusePort`: uWS would otherwise set SO_REUSEPORT and let
   * a second server split the traffic silently. Rejects with a ListenError that
   * says why.
   */
  listen(host: string, port: number, reusePort = false, inUseHint?: string): Promise<number> {
    const options = reusePort ? LIBUS_LISTEN_DEFAULT : LIBUS_LISTEN_EXCLUSIVE_PORT;
    return new Promise((resolve, reject) => {
      const done = (socket: us_listen_socket | false) => {
        if (!socket) {
          // The pure-JS fallback binds exclusively whatever `options` say (Node 20 has no SO_REUSEPORT).
          const note = reusePort && !this.#core.native ? '; REUSE_PORT=1 cannot share a port on the pure-JS fallback core' : '';
          return void whyCannotListen(host, port, inUseHint).then((why) => reject(new ListenError(why + note)));
        }
        this.#listenSocket = socket;
        resolve(this.#core.uws.us_socket_local_port(socket));
      };
      // The typings lack the (host, port, options, cb) form; the native core has it.
      (this.app.listen as unknown as (h: string, p: number, o: number, cb: typeof done) => void)(host, port, options, done);
    });
  }

  /** Stops accepting connections; open ones are left to finish. */
  stopListening(): void {
    if (this.#listenSocket) this.#core.uws.us_listen_socket_close(this.#listenSocket);
    this.#listenSocket = null;
  }

  /** Closes every connection (after stopListening and draining). */
  closeAll(): void {
    this.stopListening();
    (this.app as unknown as { close?: () => void }).close?.();
  }

  /**
   * The one place a handler's exception becomes a response on the inbox
   * surface: the storage backend failing is 503 storage_unavailable
   * (Retry-After), anything else is a bug: 500, logged with its stack.
   */
  #failed(err: unknown, reply: Reply, req: RequestInfo): void {
    if (isStoreError(err)) {
      this.#log.warn({ ...storeFailureFields(err), method: req.method, path: req.path }, 'storage unavailable');
      if (!reply.finished) reply.error(errors.storageUnavailable());
      return;
    }
    this.#log.error({ err, method: req.method, path: req.path }, 'request handler failed');
    if (!reply.finished) reply.error(errors.internal());
  }
}

type Refuser = (req: RequestInfo, reply: Reply, err: AppError) => void;

/**
 * A request as handlers and the client gate see it: everything copied out of
 * uWS at once, except the client key, read from the connection on first use
 * (it costs an allocation in uWS, and most requests never need it).
 */
class Incoming implements RequestInfo, GatedRequest {
  reply: Reply | null = null;
  refuser: Refuser | null = null;
  #key: string | undefined;

  constructor(
    readonly method: string,
    readonly path: string,
    readonly query: string,
    readonly headers: Readonly<Record<string, string>>,
    readonly params: readonly string[],
    readonly contentLength: number | undefined,
    private readonly res: HttpResponse,
    private readonly gate: ClientGate | null,
  ) {}

  get client(): string {
    if (this.#key === undefined) {
      // uWS: a finished or aborted response may not be touched; a key first asked for then is unknown ('').
      // The gate reads it at the end of the request's first turn if it is still busy, so later reads find it.
      const open = this.reply === null || !this.reply.finished;
      this.#key = this.gate && open ? this.gate.clientOf(this.res, this.headers['x-forwarded-for'] ?? '') : '';
    }
    return this.#key;
  }

  get finished(): boolean {
    return this.reply!.finished;
  }

  holdSlot(slots: ConnectionCounter, client: string | null): void {
    this.reply!.holdSlot(slots, client);
  }

  holdClientSlot(client: string): void {
    this.reply!.holdClientSlot(client);
  }

  refuse(err: AppError): void {
    const reply = this.reply!;
    reply.closeConnection = true;
    this.refuser!(this, reply, err);
    reply.cutOff();
  }
}

function readRequest(
  req: HttpRequest, res: HttpResponse, gate: ClientGate | null, names: readonly string[], keys: readonly Uint8Array[], paramCount: number,
  fixedPath: string | null, method: string, withBody: boolean,
): Incoming {
  const headers: Record<string, string> = {};
  let i = 0;
  let contentLength: number | undefined;
  if (withBody) { // names start with BODY_HEADERS
    const cl = req.getHeader(keys[0]);
    headers['content-length'] = cl;
    contentLength = cl === '' ? undefined : /^\d+$/.test(cl) ? Number(cl) : NaN;
    // A positive length says a body follows, all that Transfer-Encoding is read for (hasBody): one call
    // into uWS fewer per request with a body. Set to '' all the same, so every headers object has one shape.
    headers['transfer-encoding'] = contentLength !== undefined && contentLength > 0 ? '' : req.getHeader(keys[1]);
    i = 2;
  }
  for (; i < names.length; i++) headers[names[i]] = req.getHeader(keys[i]);
  let params = NO_PARAMS;
  if (paramCount > 0) {
    const list: string[] = [];
    for (let i = 0; i < paramCount; i++) list.push(req.getParameter(i));
    params = list;
  }
  return new Incoming(
    method, fixedPath ?? req.getUrl(), req.getQuery() ?? '', headers, params, contentLength, res, gate,
  );
}

function remoteAddress(res: HttpResponse): string {
  return Buffer.from(res.getRemoteAddressAsText()).toString('latin1');
}

function withAccessLog(observe: ReplyObserver, log: Logger): ReplyObserver {
  const access = log.child({ log: 'access' });
  return (route, status, startedMs, reply, body) => {
    observe(route, status, startedMs, reply, body);
    const bytes = body === undefined ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
    const ms = Math.round((performance.now() - startedMs) * 1000) / 1000;
    access.info({ method: reply.access?.method, route, status, ms, bytes, client: reply.access?.client }, 'request');
  };
}
