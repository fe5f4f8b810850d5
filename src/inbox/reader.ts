import type { StoredMessage } from '../store/inbox.ts';

/** Why a read ended without a message. */
export type EndReason = 'empty' | 'timeout' | 'replaced' | 'gone' | 'shutdown';

/**
 * What the transport gives the domain for one reader of an inbox: a long-poll
 * (one message, then done) or a socket (every message, for as long as it lives).
 */
export interface Reader {
  /** true: the read ends after one message (HTTP). false: it stays (WebSocket). */
  readonly single: boolean;
  /** false once the client went away. */
  isOpen(): boolean;
  /** false while the reader cannot take a message right now (socket backpressure). */
  canAccept(): boolean;
  /** Writes the message to a live client; false if it could not (the message then goes back). */
  deliver(message: StoredMessage): boolean;
  /** Ends the read without a message. */
  finish(reason: EndReason): void;
}
