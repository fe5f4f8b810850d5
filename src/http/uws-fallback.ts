import { createServer, ServerResponse, type IncomingMessage, type Server } from 'node:http';
import { isIPv4, isIPv6, type Socket } from 'node:net';
import { addressText } from '../limits/client-address.ts';
import { ipv6Words } from '../net/ipv6.ts';

/**
 * The uWebSockets.js package's pure-JS fallback (node:http and `ws`, loaded
 * when the native binary does not load, or with UWS_USE_FALLBACK=1) lacks or
 * gets wrong much of the uWS API signalbox uses: getCaseSensitiveMethod,
 * endWithoutBody, tryEnd, getWriteOffset, onWritable, getRemoteAddress(AsText)
 * and res.upgrade throw "Not implemented"; getQuery throws on every request
 * ("Invalid URL"); getUrl and the router keep the query string in the path,
 * so `/inbox?to=x` misses the /inbox routes; writeStatus drops the header
 * lines that ride along in the status line, and writeHeader throws on them;
 * onAborted also fires after a normal end; end(body, true) destroys the
 * socket while the response may still sit in its (corked) buffer; a
 * WebSocket route with an `upgrade` handler throws in the server's 'upgrade'
 * event (which kills the process), and its sockets have no user data, no
 * backpressure, no drain, no idle timeout; every connection adds a listener
 * to the server (a leak) and any server error after listening is thrown.
 *
 * adaptFallback fills these in once, at start, on the fallback's classes
 * (never on disk, and never on the native core, whose path stays as it is),
 * so that src/http runs unchanged on either core. What the fallback still
 * cannot do is returned, for the start-up log.
 */

/** What stays different on the fallback core once adapted (printed at start-up). */
export const FALLBACK_LIMITS: readonly string[] = [
  'throughput: node:http and ws in JavaScript, many times slower than the native core',
  'REUSE_PORT: the port is always bound exclusively (Node 20 has no SO_REUSEPORT), so two processes cannot share it',
  'response bodies of 4 KiB or more are handed to node:http whole instead of being streamed as the client reads',
  'HTTP pipelining: node:http answers pipelined requests in turn, where the native core closes such a connection',
  'WebSocket idle timeout: emulated with a timer (a ping after WS_IDLE_TIMEOUT/2 to WS_IDLE_TIMEOUT of silence, then a close)',
];

type Bytes = string | ArrayBuffer | ArrayBufferView;
type Fn = (...args: never[]) => unknown;

/** The fallback's classes, as far as they are used here. */
interface FallbackRequest {
  request: IncomingMessage;
}
interface FallbackResponse {
  response: ServerResponse;
  abortHandler?: () => void;
  dataHandler?: (chunk: Buffer, isLast: boolean) => void;
  /** Body bytes handed over by tryEnd (getWriteOffset). */
  signalboxOffset?: number;
}
interface WsBehavior {
  maxPayloadLength?: number;
  maxBackpressure?: number;
  idleTimeout?: number;
  sendPingsAutomatically?: boolean;
  upgrade?: (res: unknown, req: unknown, context: unknown) => void;
  open?: (ws: unknown) => void;
  message?: (ws: unknown, message: ArrayBuffer, isBinary: boolean) => void;
  drain?: (ws: unknown) => void;
  close?: (ws: unknown, code: number, message: ArrayBuffer) => void;
  ping?: (ws: unknown, message: ArrayBuffer) => void;
  pong?: (ws: unknown, message: ArrayBuffer) => void;
}
/** A `ws` WebSocket (the fallback's own copy of the package). */
interface InternalWs {
  readonly bufferedAmount: number;
  send(data: string | Buffer, options: { binary: boolean; compress: boolean }, cb: (err?: Error) => void): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  ping(data?: string | Buffer): void;
  on(event: string, listener: (...args: never[]) => void): void;
}
interface WsServer {
  options: { maxPayload: number };
  clients?: Set<InternalWs>;
  handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer, cb: (ws: InternalWs) => void): void;
}
interface FallbackContext {
  http: Server | null;
  closed: boolean;
  wsServer: WsServer | null;
  wsBehaviors: Map<unknown, WsBehavior>;
  router: { setUserData(req: IncomingMessage, res: ServerResponse): void; route(method: string, url: string): boolean };
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  handleHttpUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void;
  close(cb?: () => void): void;
}
interface FallbackApp {
  httpContext: FallbackContext;
}

const ADAPTED = Symbol.for('signalbox.uwsFallbackAdapted');
const EMPTY = new ArrayBuffer(0);
const UWS_DEFAULT_MAX_PAYLOAD = 16 * 1024;
const UWS_DEFAULT_MAX_BACKPRESSURE = 64 * 1024;
const noop = (): void => {};

/**
 * Adapts the fallback module `uws` (as loaded through `load`, the require of
 * src/http/uws.ts) in place; once per process. Throws if `uws` is not the
 * fallback this was written for (then requests would fail one by one).
 */
export function adaptFallback(load: NodeJS.Require, uws: object): readonly string[] {
  if ((uws as Record<symbol, unknown>)[ADAPTED]) return FALLBACK_LIMITS;
  const dist = (name: string): Record<string, unknown> => {
    try {
      return load(`uWebSockets.js/dist/${name}.js`) as Record<string, unknown>;
    } catch {
      return {};
    }
  };
  const index = dist('index');
  const HttpRequest = dist('http-request').HttpRequest as (new (req: IncomingMessage) => FallbackRequest) | undefined;
  const HttpResponse = dist('http-response').HttpResponse as Fn | undefined;
  const HttpContext = dist('http-context').HttpContext as Fn | undefined;
  const TemplatedApp = dist('templated-app').default as Fn | undefined;
  const ok = index === uws && [HttpRequest, HttpResponse, HttpContext, TemplatedApp].every((c) => typeof c === 'function');
  if (!ok) throw new Error('the uWebSockets.js pure-JS fallback is not the one signalbox knows how to adapt (dist/*.js changed); it cannot serve');
  adaptRequest(HttpRequest!.prototype as Record<string, unknown>);
  adaptResponse(HttpResponse!.prototype as Record<string, unknown>);
  adaptContext(HttpContext!.prototype as Record<string, unknown>, HttpRequest!);
  adaptApp(TemplatedApp!.prototype as Record<string, unknown>);
  Object.defineProperty(uws, ADAPTED, { value: true });
  return FALLBACK_LIMITS;
}

// ---------------------------------------------------------------- text and bytes

/** Bytes as one char per byte; a string as uWS writes it (UTF-8), one char per byte too. */
function latin1(value: Bytes): string {
  if (typeof value === 'string') return /[^\x00-\x7f]/.test(value) ? Buffer.from(value, 'utf8').toString('latin1') : value;
  return bytesOf(value).toString('latin1');
}

function bytesOf(value: Bytes | undefined): Buffer {
  if (value === undefined) return Buffer.alloc(0);
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return Buffer.from(value);
}

/** A copy as an ArrayBuffer (what uWS hands to callbacks). */
function arrayBufferOf(data: Buffer | ArrayBuffer | Buffer[]): ArrayBuffer {
  if (data instanceof ArrayBuffer) return data;
  const buf = Array.isArray(data) ? Buffer.concat(data) : data;
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** The 4 or 16 bytes of an address as node:net gives it (uWS getRemoteAddress); empty when unknown. */
export function addressBytes(text: string | undefined): ArrayBuffer {
  if (!text) return EMPTY;
  if (isIPv4(text)) return Uint8Array.from(text.split('.'), Number).buffer;
  const pct = text.indexOf('%');
  const plain = pct < 0 ? text : text.slice(0, pct);
  if (!isIPv6(plain)) return EMPTY;
  const out = new Uint8Array(16);
  ipv6Words(plain).forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out.buffer;
}

function addressAsText(text: string | undefined): ArrayBuffer {
  return arrayBufferOf(Buffer.from(addressText(addressBytes(text)), 'latin1'));
}

/** One `key: value` line (a header that rode along in the status line or another header's value). */
function appendLine(res: ServerResponse, line: string): void {
  const colon = line.indexOf(':');
  if (colon > 0) appendHeader(res, line.slice(0, colon).trim(), line.slice(colon + 1).trim());
}

function appendHeader(res: ServerResponse, name: string, value: string): void {
  try {
    res.appendHeader(name, value);
  } catch {
    // node:http refuses what uWS would write raw (a control character): the header is left out, the answer still goes.
  }
}

// ---------------------------------------------------------------- HttpRequest

function adaptRequest(proto: Record<string, unknown>): void {
  Object.assign(proto, {
    getUrl(this: FallbackRequest): string {
      return pathOf(this.request.url ?? '/');
    },
    getMethod(this: FallbackRequest): string {
      return (this.request.method ?? '').toLowerCase();
    },
    getCaseSensitiveMethod(this: FallbackRequest): string {
      return this.request.method ?? '';
    },
    /** The raw query (without '?'), or '' (uWS); with a key, its decoded value or ''. */
    getQuery(this: FallbackRequest, key?: Bytes): string {
      const url = this.request.url ?? '';
      const q = url.indexOf('?');
      const raw = q < 0 ? '' : url.slice(q + 1);
      if (key === undefined) return raw;
      return new URLSearchParams(raw).get(latin1(key)) ?? '';
    },
    /** The first header of that (lower-case) name, as uWS gives it; the name as a string or bytes. */
    getHeader(this: FallbackRequest, name: Bytes): string {
      const values = this.request.headersDistinct[typeof name === 'string' ? name : latin1(name)];
      return values === undefined ? '' : values[0];
    },
    forEach(this: FallbackRequest, cb: (key: string, value: string) => void): void {
      const raw = this.request.rawHeaders;
      for (let i = 0; i + 1 < raw.length; i += 2) cb(raw[i].toLowerCase(), raw[i + 1]);
    },
  });
}

// ---------------------------------------------------------------- HttpResponse

function adaptResponse(proto: Record<string, unknown>): void {
  Object.assign(proto, {
    /** uWS writes the status line as given: header lines after it (CRLF-separated) are headers. */
    writeStatus(this: FallbackResponse, status: Bytes) {
      const lines = latin1(status).split('\r\n');
      const res = this.response;
      const first = lines[0];
      const space = first.indexOf(' ');
      res.statusCode = parseInt(first, 10);
      if (space > 0) res.statusMessage = first.slice(space + 1);
      for (let i = 1; i < lines.length; i++) appendLine(res, lines[i]);
      return this;
    },
    /** Repeated names are all sent (as uWS does); CRLF-separated lines in the value are headers of their own. */
    writeHeader(this: FallbackResponse, key: Bytes, value: Bytes) {
      const lines = latin1(value).split('\r\n');
      appendHeader(this.response, latin1(key), lines[0]);
      for (let i = 1; i < lines.length; i++) appendLine(this.response, lines[i]);
      return this;
    },
    /** Closing: `Connection: close`, and node:http closes the socket once the response is out (not before). */
    end(this: FallbackResponse, body?: Bytes, closeConnection = false) {
      const res = this.response;
      if (closeConnection && !res.headersSent) res.setHeader('Connection', 'close');
      res.end(body === undefined || typeof body === 'string' ? body : bytesOf(body));
      return this;
    },
    endWithoutBody(this: FallbackResponse, reportedContentLength?: number, closeConnection = false) {
      const res = this.response;
      if (!res.headersSent) {
        if (reportedContentLength !== undefined) res.setHeader('Content-Length', reportedContentLength);
        if (closeConnection) res.setHeader('Connection', 'close');
      }
      res.end();
      return this;
    },
    /** uWS: called only when the client went away before the response ended (node's 'close' comes after an end too). */
    onAborted(this: FallbackResponse, handler: () => void) {
      const res = this.response;
      this.abortHandler = () => {
        if (!res.writableEnded) handler();
      };
      return this;
    },
    /** Chunks as uWS hands them: ArrayBuffers (copies here). */
    onData(this: FallbackResponse, handler: (chunk: ArrayBuffer, isLast: boolean) => void) {
      this.dataHandler = (chunk, isLast) => handler(arrayBufferOf(chunk), isLast);
      return this;
    },
    getWriteOffset(this: FallbackResponse): number {
      return this.signalboxOffset ?? 0;
    },
    /** Hands the chunk to node:http (which buffers what the socket does not take); ends once `totalSize` bytes were given. */
    tryEnd(this: FallbackResponse, chunk: Bytes, totalSize: number): [boolean, boolean] {
      const res = this.response;
      const bytes = bytesOf(chunk);
      if (!res.headersSent && !res.hasHeader('content-length')) res.setHeader('Content-Length', totalSize);
      const offset = (this.signalboxOffset ?? 0) + bytes.byteLength;
      this.signalboxOffset = offset;
      if (offset >= totalSize) {
        res.end(bytes);
        return [true, true];
      }
      return [res.write(bytes), false];
    },
    onWritable(this: FallbackResponse, handler: (offset: number) => boolean) {
      this.response.on('drain', () => void handler(this.signalboxOffset ?? 0));
      return this;
    },
    getRemoteAddress(this: FallbackResponse): ArrayBuffer {
      return addressBytes(this.response.socket?.remoteAddress);
    },
    getRemoteAddressAsText(this: FallbackResponse): ArrayBuffer {
      return addressAsText(this.response.socket?.remoteAddress);
    },
    pause(this: FallbackResponse): void {
      this.response.socket?.pause();
    },
    resume(this: FallbackResponse): void {
      this.response.socket?.resume();
    },
  });
}

// ---------------------------------------------------------------- HttpContext and TemplatedApp

function adaptContext(proto: Record<string, unknown>, HttpRequest: new (req: IncomingMessage) => FallbackRequest): void {
  Object.assign(proto, {
    /** Routed by the path alone (uWS never routes on the query string). No route: the connection is closed, as by uWS. */
    handleRequest(this: FallbackContext, req: IncomingMessage, res: ServerResponse): void {
      this.router.setUserData(req, res);
      if (!this.router.route((req.method ?? '').toLowerCase(), pathOf(req.url ?? '/'))) res.destroy();
    },
    /** The fallback's listen, without its listener per connection (a leak) and without throwing a later server error. */
    listen(this: FallbackContext, host: Bytes | undefined, port: number, callback: (socket: FallbackContext | false) => void): void {
      const server = (this.http = createServer(this.handleRequest.bind(this)));
      server.on('upgrade', this.handleHttpUpgrade.bind(this));
      let listening = false;
      server.on('error', (err: NodeJS.ErrnoException) => {
        if (!listening) return callback(false);
        // accept() failing (EMFILE: out of descriptors) is not fatal; the native core just does not accept then.
        if (err.syscall !== 'accept') process.emitWarning(`signalbox (uWS fallback core): server error ${err.message}`);
      });
      const h = host === undefined ? '' : latin1(host);
      server.listen({ port, host: h === '' ? undefined : h, exclusive: true }, () => {
        listening = true;
        this.closed = false;
        callback(this);
      });
    },
    /**
     * A WebSocket upgrade to a WebSocket route; any other request with an Upgrade header (`h2c`, a
     * WebSocket one to another path or with a malformed key) is answered as a plain request, as by uWS.
     */
    handleHttpUpgrade(this: FallbackContext, request: IncomingMessage, socket: Socket, head: Buffer): void {
      socket.on('error', noop); // node:http took its own listener off: an error here must not be thrown
      const behavior = this.wsBehaviors.get(pathOf(request.url ?? '/'));
      const wsServer = this.wsServer;
      const websocket = (request.headers.upgrade ?? '').toLowerCase() === 'websocket' && request.headers['sec-websocket-key']?.length === 24;
      if (behavior === undefined || wsServer === null || !websocket) return servePlain(this, request, socket);
      const res = new UpgradeResponse(socket, request, head, wsServer, behavior);
      const req = new HttpRequest(request);
      if (typeof behavior.upgrade === 'function') behavior.upgrade(res, req, this);
      else res.upgrade({}, '', '', '', this);
    },
  });
}

/**
 * A request node:http handed over as an upgrade, answered on its socket like any other (then closed).
 * node:http has read no body for it: one that announces a body is refused.
 */
function servePlain(ctx: FallbackContext, request: IncomingMessage, socket: Socket): void {
  const length = request.headers['content-length'];
  if (request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')) {
    socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    return;
  }
  const res = new ServerResponse(request);
  res.shouldKeepAlive = false;
  res.assignSocket(socket);
  res.once('finish', () => {
    res.detachSocket(socket);
    socket.end(() => socket.destroy());
  });
  ctx.handleRequest(request, res);
}

function adaptApp(proto: Record<string, unknown>): void {
  Object.assign(proto, {
    /**
     * The fallback also adds a GET route that hangs a plain GET with a
     * 24-character Sec-WebSocket-Key; node:http hands upgrades over apart
     * anyway, so the WebSocket route is only recorded.
     */
    ws(this: FallbackApp, pattern: string, behavior: WsBehavior) {
      (this.httpContext as unknown as { onWs(p: string, b: WsBehavior): void }).onWs(pattern, behavior);
      return this;
    },
    /** uWS app.close(): stop listening and close every connection, WebSockets included. */
    close(this: FallbackApp) {
      const ctx = this.httpContext;
      for (const ws of ctx.wsServer?.clients ?? []) ws.terminate();
      const server = ctx.http;
      if (!ctx.closed) ctx.close();
      server?.closeAllConnections();
      return this;
    },
  });
}

// ---------------------------------------------------------------- WebSocket upgrade and sockets

/** The `res` of a WebSocket route's upgrade handler: a refusal written raw to the socket, or the upgrade. */
class UpgradeResponse {
  #status = '200 OK';
  readonly #headers: string[] = [];
  #done = false;

  constructor(
    private readonly socket: Socket,
    private readonly request: IncomingMessage,
    private readonly head: Buffer,
    private readonly server: WsServer,
    private readonly behavior: WsBehavior,
  ) {}

  cork(cb: () => void): this {
    cb();
    return this;
  }

  onAborted(handler: () => void): this {
    this.socket.once('close', () => {
      if (!this.#done) handler();
    });
    return this;
  }

  getRemoteAddress(): ArrayBuffer {
    return addressBytes(this.socket.remoteAddress);
  }

  getRemoteAddressAsText(): ArrayBuffer {
    return addressAsText(this.socket.remoteAddress);
  }

  writeStatus(status: Bytes): this {
    const lines = latin1(status).split('\r\n');
    this.#status = lines[0];
    for (let i = 1; i < lines.length; i++) if (lines[i] !== '') this.#headers.push(lines[i]);
    return this;
  }

  writeHeader(key: Bytes, value: Bytes): this {
    this.#headers.push(`${latin1(key)}: ${latin1(value)}`);
    return this;
  }

  end(body?: Bytes): this {
    if (this.#done) return this;
    this.#done = true;
    const bytes = bytesOf(body);
    const headers = this.#headers.map((h) => `${h.replace(/[\r\n]/g, '')}\r\n`).join('');
    const head = `HTTP/1.1 ${this.#status.replace(/[\r\n]/g, '')}\r\n${headers}Content-Length: ${bytes.byteLength}\r\nConnection: close\r\n\r\n`;
    this.socket.end(Buffer.concat([Buffer.from(head, 'latin1'), bytes]));
    return this;
  }

  endWithoutBody(): this {
    return this.end();
  }

  close(): this {
    this.#done = true;
    this.socket.destroy();
    return this;
  }

  /** Completes the handshake with `ws` (which checks the request's own key and version) and opens the socket. */
  upgrade(userData: unknown, _key: Bytes, _protocol: Bytes, _extensions: Bytes, _context: unknown): void {
    if (this.#done) return;
    this.#done = true;
    const { server, behavior, socket } = this;
    const options = server.options;
    const saved = options.maxPayload;
    options.maxPayload = behavior.maxPayloadLength ?? UWS_DEFAULT_MAX_PAYLOAD; // read by handleUpgrade, synchronously
    try {
      server.handleUpgrade(this.request, socket, this.head, (ws) => FallbackWebSocket.open(ws, socket, userData, behavior));
    } finally {
      options.maxPayload = saved;
    }
  }
}

/** uWS WebSocket over a `ws` socket: user data, send statuses and backpressure, drain, idle timeout, close handler run from end(). */
class FallbackWebSocket {
  #closed = false;
  #wantDrain = false;
  #heard = true;
  #pinged = false;
  #timer: NodeJS.Timeout | undefined;
  readonly #remote: string | undefined;
  readonly #maxBackpressure: number;

  static open(ws: InternalWs, socket: Socket, userData: unknown, behavior: WsBehavior): void {
    const peer = new FallbackWebSocket(ws, socket, userData, behavior);
    ws.on('error', noop); // the close follows
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      if (!peer.#closed) behavior.message?.(peer, arrayBufferOf(data), isBinary);
    });
    ws.on('ping', (data: Buffer) => behavior.ping?.(peer, arrayBufferOf(data)));
    ws.on('pong', (data: Buffer) => behavior.pong?.(peer, arrayBufferOf(data)));
    ws.on('close', (code: number, reason: Buffer) => peer.#finish(code, arrayBufferOf(reason)));
    socket.on('data', () => (peer.#heard = true));
    const idleSec = behavior.idleTimeout ?? 120;
    if (idleSec > 0) {
      peer.#timer = setInterval(() => peer.#idleCheck(), idleSec * 500);
      peer.#timer.unref();
    }
    behavior.open?.(peer);
  }

  private constructor(
    private readonly ws: InternalWs,
    socket: Socket,
    private readonly userData: unknown,
    private readonly behavior: WsBehavior,
  ) {
    this.#remote = socket.remoteAddress;
    this.#maxBackpressure = behavior.maxBackpressure ?? UWS_DEFAULT_MAX_BACKPRESSURE;
  }

  getUserData(): unknown {
    return this.userData;
  }

  /** uWS: 1 written, 0 buffered (drain follows), 2 dropped (over maxBackpressure). */
  send(message: Bytes, isBinary = false): number {
    const ws = this.ws;
    if (this.#closed) return 2;
    if (this.#maxBackpressure > 0 && ws.bufferedAmount > this.#maxBackpressure) return 2;
    ws.send(typeof message === 'string' ? message : bytesOf(message), { binary: isBinary, compress: false }, this.#written);
    if (ws.bufferedAmount === 0) return 1;
    this.#wantDrain = true;
    return 0;
  }

  /** After each frame went out: a drain once nothing is left buffered after a send that buffered. */
  readonly #written = (): void => {
    if (!this.#wantDrain || this.#closed || this.ws.bufferedAmount > 0) return;
    this.#wantDrain = false;
    this.behavior.drain?.(this);
  };

  getBufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  cork(cb: () => void): this {
    cb();
    return this;
  }

  /** Sends a close frame; the close handler runs before this returns (as with uWS). */
  end(code = 1000, shortMessage: Bytes = ''): this {
    if (this.#closed) return this;
    const reason = bytesOf(shortMessage).subarray(0, 123);
    try {
      this.ws.close(code, reason.toString('utf8'));
    } catch {
      this.ws.terminate(); // a code `ws` does not send (e.g. 1005, 1006)
    }
    this.#finish(code, arrayBufferOf(reason));
    return this;
  }

  close(): this {
    if (this.#closed) return this;
    this.ws.terminate();
    this.#finish(1006, EMPTY);
    return this;
  }

  ping(message?: Bytes): number {
    if (!this.#closed) this.ws.ping(message === undefined ? undefined : bytesOf(message));
    return 1;
  }

  getRemoteAddress(): ArrayBuffer {
    return addressBytes(this.#remote);
  }

  getRemoteAddressAsText(): ArrayBuffer {
    return addressAsText(this.#remote);
  }

  // Pub/sub: not used by signalbox, not offered by the fallback.
  subscribe(): boolean {
    return false;
  }

  unsubscribe(): boolean {
    return false;
  }

  isSubscribed(): boolean {
    return false;
  }

  getTopics(): string[] {
    return [];
  }

  publish(): boolean {
    return false;
  }

  #finish(code: number, message: ArrayBuffer): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.behavior.close?.(this, code, message);
  }

  /** Every idleTimeout/2: data came in since the last check, or a ping goes out, or (still silent after the ping) the socket is closed. */
  #idleCheck(): void {
    if (this.#closed) return;
    if (this.#heard) {
      this.#heard = false;
      this.#pinged = false;
    } else if (!this.#pinged && this.behavior.sendPingsAutomatically !== false) {
      this.#pinged = true;
      this.ws.ping();
    } else {
      this.close();
    }
  }
}
