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
  /**
   * Set on a message taken from a store that holds taken messages in flight
   * (Redis): the hold to release, with `release` (or the taker's next
   * `take`, or its `unclaim`) once the message reached its reader, or with
   * `giveBack`. Until then no other reader takes from that inbox, so a
   * message given back cannot be overtaken by the next one.
   */
  readonly held?: string;
}

/**
 * What `take` and `readOnce` answer while the inbox's oldest message is in
 * flight to another reader, which may still give it back: try again after
 * `retryInMs` at the latest (the hold then lapses, for a taker that died),
 * or on the inbox's next 'message' event (sent when the hold is released).
 * Only a store that holds taken messages answers it; the memory store
 * takes and delivers in one step and never does.
 */
export interface InFlight {
  readonly retryInMs: number;
}

export const isInFlight = (taken: StoredMessage | InFlight): taken is InFlight => (taken as InFlight).retryInMs !== undefined;

/** The epoch a read without a claim (a one-shot GET) takes under. */
export const NO_CLAIM = 0;

/** `secret` is an opaque keyed hash of the credentials, never a password. */
export type OpenOutcome = 'created' | 'ok' | 'wrong-password' | 'full';
/** 'over-budget': queuing it would pass the store's total of queued message bytes (maxQueuedBytes). */
export type SendOutcome = 'ok' | 'no-inbox' | 'queue-full' | 'over-budget';
export type RemoveOutcome = 'ok' | 'no-inbox' | 'wrong-password';
/** sendFrom: a send's outcome, or why the sender may not send ('no-sender': no live inbox of that name; nothing was created or queued). */
export type SendFromOutcome = SendOutcome | 'no-sender' | 'wrong-password';
/** readOnce: the oldest message, or why there is none ('created' and 'empty': the inbox is open and holds nothing; InFlight: see take). */
export type ReadOnceOutcome = StoredMessage | InFlight | 'created' | 'empty' | 'wrong-password' | 'full';

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
   * touch and takeOver, then `take` under NO_CLAIM when the inbox was there.
   * One round trip for a networked store instead of two; nothing else may
   * happen between the two halves.
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
   * Removes and returns the oldest message, if any. With a claim's `epoch`,
   * only while that claim is the inbox's current one: a reader replaced on
   * another node, whose node has not heard of it yet, takes nothing. With
   * an epoch (NO_CLAIM for a read without a claim) the message is held in
   * flight for its taker by a store that holds (see StoredMessage.held and
   * InFlight); without one (tools, tests) nothing is held. `release` is the
   * hold of the message this taker delivered last, released first.
   */
  take(name: string, epoch?: number, release?: string): MaybeAsync<StoredMessage | InFlight | undefined>;
  /** Puts a taken message back at the head (its reader vanished), releasing its hold. Never refused, not even over the byte budget. */
  giveBack(name: string, message: StoredMessage): MaybeAsync<void>;
  /** A held message reached its reader: its hold (StoredMessage.held) ends, and another reader may take. */
  release(name: string, held: string): MaybeAsync<void>;
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
  /**
   * Ends a claim that is still the current one: the idle TTL starts now. An
   * older claim changes nothing. `release`: the hold of the message its
   * reader was handed last, released in the same step (whether or not the
   * claim is still the current one).
   */
  unclaim(name: string, epoch: number, release?: string): MaybeAsync<void>;
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
