import type { MaybeAsync } from './maybe-async.ts';

/**
 * The storage contract behind the inboxes. Every operation may complete
 * asynchronously (MaybeAsync: the memory backend answers at once, so the
 * default path makes no promise hops) and only plain data crosses it, so a
 * networked backend (Redis) can satisfy it as well as the in-process one;
 * wake-ups of waiting readers come back as events, never as shared objects.
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
/** sendFrom: a send's outcome, or why the sender may not send ('no-sender': no live inbox of that name; nothing was created or queued). */
export type SendFromOutcome = SendOutcome | 'no-sender' | 'wrong-password';
/** readOnce: the oldest message, or why there is none ('created' and 'empty': the inbox is open and holds nothing). */
export type ReadOnceOutcome = StoredMessage | 'created' | 'empty' | 'wrong-password' | 'full';

export type InboxEvent =
  | { readonly type: 'message'; readonly name: string }
  | { readonly type: 'gone'; readonly name: string; readonly reason: 'deleted' | 'expired' }
  /** A reader claimed the inbox with `epoch`: the holder of any older claim must end its reader. */
  | { readonly type: 'replaced'; readonly name: string; readonly epoch: number };

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
   * `takeOver` (a read that takes what is queued now and ends, without a
   * claim of its own) also ends the current reader's claim, announcing a new
   * epoch with 'replaced', as a claim would.
   */
  open(name: string, secret: string, touch: boolean, takeOver?: boolean): MaybeAsync<OpenOutcome>;
  /**
   * A read that takes what is queued now and ends, in one step: `open` with
   * touch and takeOver, then `take` when the inbox was there. One round trip
   * for a networked store instead of two; nothing else may happen between
   * the two halves.
   */
  readOnce(name: string, secret: string): MaybeAsync<ReadOnceOutcome>;
  /** Whether a live inbox of that name exists (no touch). */
  exists(name: string): MaybeAsync<boolean>;
  /**
   * Appends to the recipient's queue (FIFO); emits a 'message' event. Refused
   * with 'over-budget' when the queued body bytes would pass maxQueuedBytes;
   * what is queued is never dropped to make room.
   */
  send(to: string, message: StoredMessage): MaybeAsync<SendOutcome>;
  /**
   * `send`, by the owner of the live inbox `message.from`, whose secret is
   * checked first (and whose TTL is not restarted): an `open` without touch
   * and `send` in one step, for a sender whose inbox exists. Nothing is
   * created: a missing sender inbox is 'no-sender'.
   */
  sendFrom(secret: string, to: string, message: StoredMessage): MaybeAsync<SendFromOutcome>;
  /**
   * Removes and returns the oldest message, if any. With `epoch`, only while
   * that claim is the inbox's current one: a reader replaced on another node,
   * whose node has not heard of it yet, takes nothing.
   */
  take(name: string, epoch?: number): MaybeAsync<StoredMessage | undefined>;
  /** Puts a taken message back at the head (its reader vanished). Never refused, not even over the byte budget. */
  giveBack(name: string, message: StoredMessage): MaybeAsync<void>;
  /** Deletes the inbox and its queue when the secret matches; emits 'gone'. */
  remove(name: string, secret: string): MaybeAsync<RemoveOutcome>;
  /**
   * Makes the caller the inbox's one reader for `leaseMs`, whichever node it
   * runs on: returns the claim's epoch, higher than every epoch before it, and
   * emits 'replaced' with it to the watchers, so the holder of an older claim
   * ends its reader. While the lease runs the inbox does not expire; if its
   * holder dies without unclaiming, the inbox expires the idle TTL after the
   * lease ends. Undefined: no such inbox.
   */
  claim(name: string, leaseMs: number): MaybeAsync<number | undefined>;
  /** Extends a claim that is still the current one; false when it was replaced, or the inbox is gone. */
  renew(name: string, epoch: number, leaseMs: number): MaybeAsync<boolean>;
  /** Ends a claim that is still the current one: the idle TTL starts now. An older claim changes nothing. */
  unclaim(name: string, epoch: number): MaybeAsync<void>;
  /** Drops expired inboxes; returns how many went. */
  sweep(): MaybeAsync<number>;
  stats(): MaybeAsync<StoreStats>;
  /** Resolves when the backend answers. */
  ping(): MaybeAsync<boolean>;
  /**
   * Subscribes to the events of one inbox (on every node: a node watches only
   * the inboxes it holds a reader for); returns the unsubscribe function.
   */
  watch(name: string, listener: (event: InboxEvent) => void): () => void;
  close(): Promise<void>;
}
