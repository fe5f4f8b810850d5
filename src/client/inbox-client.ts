import { InboxError } from './errors.ts';
import { Listeners, MessageQueue } from './listeners.ts';
import { InboxMessage, basicAuth, toBytes } from './message.ts';
import { PollTransport } from './poll-transport.ts';
import type { Endpoint, FetchFunction, Transport, TransportKind, TransportSink, WebSocketClass } from './transport.ts';
import { openWebSocket } from './ws-transport.ts';

export interface InboxClientOptions {
  /** The server's base URL, e.g. `https://signal.example.com` (relative URLs resolve against the page). */
  readonly url: string;
  /** Names the inbox (1–256 printable ASCII characters, no ':'). */
  readonly username: string;
  readonly password: string;
  /** 'auto' (default): the WebSocket, or long-polling when the WebSocket cannot connect. */
  readonly transport?: 'auto' | 'websocket' | 'poll';
  /** Long-poll length asked of the server (it caps it at its maxWait). Default 25 s. */
  readonly pollWaitSec?: number;
  /** WebSocket class; default the global one (browsers). In Node 20 pass `ws`'s default export. */
  readonly WebSocket?: WebSocketClass;
  /** fetch; default the global one. */
  readonly fetch?: FetchFunction;
  /** WebSocket URL; default the `url` with ws(s): and `/inbox/ws`. */
  readonly wsUrl?: string;
  /** First reconnection delay; doubles per failed attempt up to reconnectMaxMs (each delay 80–100 % of that, at random). Default 250 ms. */
  readonly reconnectMinMs?: number;
  /** Longest reconnection delay (unless a 503's Retry-After asks for longer). Default 10 s. */
  readonly reconnectMaxMs?: number;
  /** Time allowed for a WebSocket to reach `ready`. Default 10 s. */
  readonly connectTimeoutMs?: number;
}

export type ClientState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Emitted on every transport change. */
export interface TransportEvent {
  /** The transport now in use; null while reconnecting and once closed. */
  readonly transport: TransportKind | null;
  readonly state: 'open' | 'reconnecting' | 'closed';
  /** Why the previous transport went away (reconnecting), or why the client stopped (closed). */
  readonly error?: InboxError;
  /** When the next attempt starts (reconnecting). */
  readonly retryInMs?: number;
}

export interface InboxClientEvents {
  message: (message: InboxMessage) => void;
  /** The client stopped for good (bad credentials, replaced by another reader, inbox deleted). */
  error: (error: InboxError) => void;
  transport: (event: TransportEvent) => void;
}

/**
 * A peer of the inbox server: receives its inbox's messages over the
 * WebSocket (or long-polling), reconnects on its own, and sends with
 * `POST /inbox`. Web APIs only: runs in browsers and in Node 20.
 */
export class InboxClient {
  readonly #o: InboxClientOptions;
  readonly #endpoint: Endpoint;
  readonly #listeners = new Listeners<InboxClientEvents>();
  readonly #queues = new Set<MessageQueue<InboxMessage>>();
  /** Messages that arrived while nobody listened (e.g. right after start()): the first messages() gets them. */
  readonly #backlog: InboxMessage[] = [];
  #state: ClientState = 'idle';
  #transport: Transport | null = null;
  #sink: TransportSink | null = null;
  #wsRefused = false;
  #attempt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #fatal: InboxError | undefined;

  constructor(options: InboxClientOptions) {
    this.#o = options;
    const base = new URL(options.url, (globalThis as { location?: { href: string } }).location?.href);
    const root = base.href.replace(/[?#].*$/, '').replace(/\/+$/, '');
    const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis); // unbound fetch throws in browsers
    this.#endpoint = {
      inboxUrl: `${root}/inbox`,
      wsUrl: options.wsUrl ?? `${root.replace(/^http/, 'ws')}/inbox/ws`,
      username: options.username,
      password: options.password,
      authorization: basicAuth(options.username, options.password),
      fetch: fetchImpl,
    };
  }

  get state(): ClientState {
    return this.#state;
  }

  /** The transport in use, or null. */
  get transport(): TransportKind | null {
    return this.#transport?.kind ?? null;
  }

  /** Connects; once it resolves the inbox exists. Rejects with an InboxError (and the client is closed). */
  async start(): Promise<void> {
    if (this.#state !== 'idle') throw new Error(`InboxClient.start() called when ${this.#state}`);
    this.#state = 'connecting';
    try {
      await this.#connect();
    } catch (err) {
      const error = err instanceof InboxError ? err : InboxError.network(err);
      this.#stop(error, false);
      throw error;
    }
  }

  /** Sends a message with `POST /inbox?to=` (strings as UTF-8). Rejects with an InboxError. */
  async send(to: string, data: string | Uint8Array, contentType?: string): Promise<void> {
    const type = contentType ?? (typeof data === 'string' ? 'text/plain; charset=utf-8' : 'application/octet-stream');
    let res: Response;
    try {
      res = await this.#endpoint.fetch(`${this.#endpoint.inboxUrl}?to=${encodeURIComponent(to)}`, {
        method: 'POST',
        // The browser must not manage HTTP auth here: on a 401 with WWW-Authenticate it
        // would show a login prompt (or hang, headless). Our Authorization header still goes out.
        credentials: 'omit',
        headers: { Authorization: this.#endpoint.authorization, 'Content-Type': type },
        body: toBytes(data) as unknown as BodyInit,
      });
    } catch (err) {
      throw InboxError.network(err);
    }
    if (res.status !== 204) throw await InboxError.fromResponse(res);
  }

  /**
   * Incoming messages, in order. Each iterator gets every message from its
   * creation on (the first one also those that arrived before anyone
   * listened). Ends on close(); throws the InboxError that stopped the client.
   */
  messages(): AsyncIterableIterator<InboxMessage> {
    const queue = new MessageQueue<InboxMessage>((q) => this.#queues.delete(q));
    for (const m of this.#backlog.splice(0)) queue.push(m);
    if (this.#state === 'closed') queue.end(this.#fatal);
    else this.#queues.add(queue);
    return queue;
  }

  on<K extends keyof InboxClientEvents>(event: K, listener: InboxClientEvents[K]): this {
    this.#listeners.on(event, listener);
    return this;
  }

  off<K extends keyof InboxClientEvents>(event: K, listener: InboxClientEvents[K]): this {
    this.#listeners.off(event, listener);
    return this;
  }

  /** Stops receiving (the inbox then expires on the server after its TTL); ends the iterators. */
  async close(): Promise<void> {
    if (this.#state !== 'closed') this.#stop(undefined, true);
  }

  async #connect(): Promise<void> {
    const sink: TransportSink = {
      message: (m) => this.#deliver(m),
      ended: (error) => this.#ended(sink, error),
    };
    const transport = await this.#open(sink);
    if (this.#state === 'closed') return transport.stop(); // close() was called meanwhile
    this.#transport = transport;
    this.#sink = sink;
    this.#state = 'open';
    this.#attempt = 0;
    this.#listeners.emit('transport', { transport: transport.kind, state: 'open' });
  }

  async #open(sink: TransportSink): Promise<Transport> {
    const mode = this.#o.transport ?? 'auto';
    const WebSocketImpl = this.#o.WebSocket ?? (globalThis as { WebSocket?: WebSocketClass }).WebSocket;
    if (mode === 'websocket' || (mode === 'auto' && !this.#wsRefused && WebSocketImpl)) {
      if (!WebSocketImpl) throw new InboxError(0, 'no_websocket', 'No WebSocket class: pass options.WebSocket.');
      try {
        return await openWebSocket(this.#endpoint, WebSocketImpl, this.#o.connectTimeoutMs ?? 10_000, sink);
      } catch (err) {
        if (mode === 'websocket' || (err instanceof InboxError && err.fatal)) throw err;
        // 'auto': if plain HTTP works where the WebSocket did not, stay on long-polling from now on.
      }
    }
    const poll = await PollTransport.start(this.#endpoint, this.#o.pollWaitSec ?? 25, sink);
    if (mode === 'auto' && WebSocketImpl) this.#wsRefused = true;
    return poll;
  }

  #deliver(message: InboxMessage): void {
    if (this.#state === 'closed') return;
    this.#listeners.emit('message', message);
    if (this.#queues.size > 0) for (const q of this.#queues) q.push(message);
    else if (this.#listeners.count('message') === 0) this.#backlog.push(message);
  }

  #ended(sink: TransportSink, error: InboxError): void {
    if (sink !== this.#sink || this.#state === 'closed') return;
    this.#transport = null;
    this.#sink = null;
    if (error.fatal) return this.#stop(error, true);
    this.#retry(error);
  }

  #retry(error: InboxError): void {
    const min = this.#o.reconnectMinMs ?? 250;
    const max = this.#o.reconnectMaxMs ?? 10_000;
    // Between 80 and 100 % of the doubled delay, capped: clients spread out, and none waits past the cap.
    const backoff = Math.min(max, min * 2 ** this.#attempt++) * (0.8 + 0.2 * Math.random());
    const delay = Math.round(Math.max(backoff, (error.retryAfterSec ?? 0) * 1000));
    this.#state = 'reconnecting';
    this.#listeners.emit('transport', { transport: null, state: 'reconnecting', error, retryInMs: delay });
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.#connect().catch((err) => {
        if (this.#state === 'closed') return;
        const e = err instanceof InboxError ? err : InboxError.network(err);
        if (e.fatal) this.#stop(e, true);
        else this.#retry(e);
      });
    }, delay);
  }

  #stop(error: InboxError | undefined, emit: boolean): void {
    this.#state = 'closed';
    this.#fatal = error;
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#transport?.stop();
    this.#transport = null;
    this.#sink = null;
    for (const q of this.#queues) q.end(error);
    this.#queues.clear();
    if (emit && error) this.#listeners.emit('error', error);
    this.#listeners.emit('transport', { transport: null, state: 'closed', ...(error && { error }) });
  }
}
