/**
 * The storage contract behind the inboxes. Every operation may complete
 * asynchronously and only plain data crosses it, so a networked backend
 * (Redis) can satisfy it as well as the in-process one; wake-ups of waiting
 * readers come back as events, never as shared objects.
 */

/** A queued message. `body` is owned by the store once handed over. */
export interface StoredMessage {
  readonly from: string;
  readonly contentType: string;
  readonly body: Uint8Array;
}

/** `secret` is an opaque keyed hash of the credentials, never a password. */
export type OpenOutcome = 'created' | 'ok' | 'wrong-password' | 'full';
/** 'over-budget': queuing it would pass the store's total of queued message bytes (maxQueuedBytes). */
export type SendOutcome = 'ok' | 'no-inbox' | 'queue-full' | 'over-budget';
export type RemoveOutcome = 'ok' | 'no-inbox' | 'wrong-password';

export type InboxEvent =
  | { readonly type: 'message'; readonly name: string }
  | { readonly type: 'gone'; readonly name: string; readonly reason: 'deleted' | 'expired' };

export interface StoreStats {
  readonly inboxes: number;
  readonly messages: number;
  /** Body bytes of the queued messages (what maxQueuedBytes bounds). */
  readonly bytes: number;
}

export interface InboxStore {
  /**
   * Checks the secret of inbox `name`, creating the inbox with it when absent
   * (refused with 'full' at the inbox limit). `touch` restarts its idle TTL.
   */
  open(name: string, secret: string, touch: boolean): Promise<OpenOutcome>;
  /** Whether a live inbox of that name exists (no touch). */
  exists(name: string): Promise<boolean>;
  /**
   * Appends to the recipient's queue (FIFO); emits a 'message' event. Refused
   * with 'over-budget' when the queued body bytes would pass maxQueuedBytes;
   * what is queued is never dropped to make room.
   */
  send(to: string, message: StoredMessage): Promise<SendOutcome>;
  /** Removes and returns the oldest message, if any. */
  take(name: string): Promise<StoredMessage | undefined>;
  /** Puts a taken message back at the head (its reader vanished). Never refused, not even over the byte budget. */
  giveBack(name: string, message: StoredMessage): Promise<void>;
  /** Deletes the inbox and its queue when the secret matches; emits 'gone'. */
  remove(name: string, secret: string): Promise<RemoveOutcome>;
  /** A reader (long-poll, socket) is attached: the inbox must not expire meanwhile. */
  readerStarted(name: string): Promise<void>;
  /** The reader left: the idle TTL starts now. */
  readerEnded(name: string): Promise<void>;
  /** Drops expired inboxes; returns how many went. */
  sweep(): Promise<number>;
  stats(): Promise<StoreStats>;
  /** Resolves when the backend answers. */
  ping(): Promise<boolean>;
  /** Subscribes to events; returns the unsubscribe function. */
  subscribe(listener: (event: InboxEvent) => void): () => void;
  close(): Promise<void>;
}
