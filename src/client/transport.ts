import type { InboxError } from './errors.ts';
import type { InboxMessage } from './message.ts';

export type TransportKind = 'websocket' | 'poll';

/** What a transport reports to the client. */
export interface TransportSink {
  message(message: InboxMessage): void;
  /** The transport stopped on its own (not through stop()); `error.fatal` says whether to reconnect. */
  ended(error: InboxError): void;
}

export interface Transport {
  readonly kind: TransportKind;
  /** Stops receiving; no sink call follows. */
  stop(): void;
}

/** The minimum of the WebSocket API used: the browser's global and `ws`'s class both have it. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

/** A WebSocket class: the browser's `WebSocket`, or `ws`'s default export in Node. */
export type WebSocketClass = new (url: string) => unknown;

export type FetchFunction = (input: string, init?: RequestInit) => Promise<Response>;

/** What transports need to reach the inbox. */
export interface Endpoint {
  readonly inboxUrl: string;
  readonly wsUrl: string;
  readonly username: string;
  readonly password: string;
  readonly authorization: string;
  readonly fetch: FetchFunction;
}
