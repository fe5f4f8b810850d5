import { latin1Slice } from '../../bytes.ts';
import { sameText } from '../../crypto/same-text.ts';
import type { Clock } from '../../clock.ts';
import { startSweeping, type SweepSchedule } from './sweeping.ts';
import {
  NO_CLAIM,
  type InboxEvent, type InboxStore, type OpenOutcome, type ReadOnceOutcome, type RemoveOutcome, type SendFromOutcome, type SendOutcome,
  type StoreStats, type StoredMessage,
} from '../inbox.ts';

export interface MemoryStoreOptions {
  readonly inboxTtlMs: number;
  readonly inboxCapacity: number;
  readonly maxInboxes: number;
  /** Total body bytes queued over all inboxes; a send past it is refused ('over-budget'). */
  readonly maxQueuedBytes: number;
  readonly clock: Clock;
  /** Sweep expired inboxes on this schedule (see createStores); absent: only on access and sweep(). */
  readonly sweep?: SweepSchedule;
}

/**
 * A queued message as this store keeps it: the body's bytes as a latin1
 * string (one char per byte) in the JavaScript heap, not the bytes it was
 * handed. A body under 4 KiB arrives as a slice of one of Node's shared
 * 8 KiB buffer slabs, and a slice keeps its whole slab alive: messages left
 * queued on purpose, among others read at once, could hold some 50 times the
 * bytes the queue budget counts (14 MiB of 150-byte bodies held 781 MiB of
 * slabs). A string holds its own bytes only, and the GC moves it like any
 * other object; take() hands the bytes back as a Buffer.
 */
class Queued {
  constructor(readonly from: string, readonly contentType: string, readonly bytes: string) {}
}

function queued(message: StoredMessage): Queued {
  return new Queued(message.from, message.contentType, latin1Slice(message.body, 0, message.body.byteLength));
}

/** One inbox: kept small, since a node may hold a million idle ones. */
class Inbox {
  queue: Queued[] | null = null;
  /** Whole seconds of the clock when the inbox last moved to the back of the expiry order (a small integer: no boxed number). */
  placedSec: number;
  constructor(readonly secret: string, public expiresAt: number, now: number) {
    this.placedSec = Math.floor(now / 1000);
  }
}

/**
 * A plain touch moves an inbox to the back of the expiry order only when it
 * was placed there at least this long ago; a touch within it only extends
 * the expiry (most reads come in bursts: a Map delete and set saved each).
 */
const REORDER_AFTER_SEC = 1;

/** The current reader's claim; only claimed inboxes have one, so idle inboxes stay small. */
interface Claim {
  readonly epoch: number;
  leaseUntil: number;
}

/**
 * The in-process store. The Map's insertion order doubles as the expiry
 * order: a touch moves the entry to the back (deletes and re-inserts it)
 * unless it was placed there within the last REORDER_AFTER_SEC, and since
 * all inboxes share one TTL, the idle ones stay sorted by the time they were
 * placed, each expiring between TTL and TTL + REORDER_AFTER_SEC after it.
 * A sweep therefore walks from the front and stops at the first inbox placed
 * less than a TTL ago (every inbox behind it is live): O(expired), not
 * O(inboxes). It passes over, without moving them, the few placed longer ago
 * that a touch kept alive meanwhile: each expires within REORDER_AFTER_SEC or
 * is moved by its next touch. An inbox whose reader's claim is within its lease does not
 * expire, and a claim's touch sets its expiry past the lease: such an inbox
 * is out of that order (`#unordered`) until a plain touch re-sorts it (the
 * claim ends), so the sweep looks at it on its own terms and moves it to the
 * back while its lease runs, instead of stopping there. One whose lease ran
 * out without an unclaim (its reader's node died) expires at a time of its
 * own, which its place no longer tells: it goes to `#lapsed`, which every
 * sweep looks through whole (it is empty unless readers vanished).
 * lru-cache was the first choice but its purgeStale() visits every entry.
 */
export class MemoryInboxStore implements InboxStore {
  readonly #inboxes = new Map<string, Inbox>();
  readonly #claims = new Map<string, Claim>();
  /** Inboxes whose expiry (touched with a lease) does not follow their place in #inboxes. */
  readonly #unordered = new Set<string>();
  /** Out of that order too, their lease over: expiring at their own time, looked at by every sweep. */
  readonly #lapsed = new Set<string>();
  readonly #watchers = new Map<string, Set<(event: InboxEvent) => void>>();
  /** Epochs are unique store-wide, so they only ever grow for every inbox. */
  #lastEpoch = 0;
  readonly #o: MemoryStoreOptions;
  #messages = 0;
  /** Body bytes queued: added on send/giveBack, subtracted on take and when an inbox goes with its queue. */
  #bytes = 0;

  readonly #stopSweeping: () => void;

  constructor(options: MemoryStoreOptions) {
    this.#o = options;
    this.#stopSweeping = startSweeping(options.sweep, () => this.#sweep());
  }

  open(name: string, secret: string, touch: boolean, takeOver = false): OpenOutcome {
    const opened = this.#open(name, secret, touch, takeOver);
    return typeof opened === 'string' ? opened : 'ok';
  }

  readOnce(name: string, secret: string): ReadOnceOutcome {
    const opened = this.#open(name, secret, true, true);
    return typeof opened === 'string' ? opened : (this.#takeFrom(opened) ?? 'empty');
  }

  /** open's rules, answering the inbox itself when it was there with that secret. */
  #open(name: string, secret: string, touch: boolean, takeOver: boolean): Inbox | Exclude<OpenOutcome, 'ok'> {
    const now = this.#o.clock.now();
    const inbox = this.#live(name, now);
    if (!inbox) {
      if (this.#inboxes.size >= this.#o.maxInboxes && (this.#sweep(), this.#inboxes.size >= this.#o.maxInboxes)) {
        return 'full';
      }
      this.#inboxes.set(name, new Inbox(secret, now + this.#o.inboxTtlMs, now));
      return 'created';
    }
    if (!sameText(inbox.secret, secret)) return 'wrong-password';
    if (touch) this.#touch(name, inbox, 0, now);
    if (takeOver) this.#endClaim(name);
    return inbox;
  }

  /** Ends the current reader's claim, if any, announcing a newer epoch (a one-shot read takes over). */
  #endClaim(name: string): void {
    if (this.#claims.size > 0 && this.#claims.delete(name)) this.#emit({ type: 'replaced', name, epoch: ++this.#lastEpoch });
  }

  exists(name: string): boolean {
    return this.#live(name) !== undefined;
  }

  send(to: string, message: StoredMessage): SendOutcome {
    return this.#sendTo(this.#live(to), to, message);
  }

  sendFrom(secret: string, to: string, message: StoredMessage): SendFromOutcome {
    const now = this.#o.clock.now();
    const sender = this.#live(message.from, now);
    if (!sender) return 'no-sender';
    if (!sameText(sender.secret, secret)) return 'wrong-password';
    return this.#sendTo(to === message.from ? sender : this.#live(to, now), to, message);
  }

  #sendTo(inbox: Inbox | undefined, to: string, message: StoredMessage): SendOutcome {
    if (!inbox) return 'no-inbox';
    const size = message.body.byteLength;
    if (inbox.queue !== null && inbox.queue.length >= this.#o.inboxCapacity) return 'queue-full';
    // Expired inboxes' bytes count until a sweep drops them: sweep before refusing.
    const max = this.#o.maxQueuedBytes;
    if (this.#bytes + size > max && (this.#sweep(), this.#bytes + size > max)) return 'over-budget';
    if (inbox.queue === null) inbox.queue = [queued(message)];
    else inbox.queue.push(queued(message));
    this.#messages++;
    this.#bytes += size;
    this.#emit({ type: 'message', name: to });
    return 'ok';
  }

  /** Holds nothing: a message taken here is delivered or given back before anything else runs. */
  take(name: string, epoch?: number): StoredMessage | undefined {
    const inbox = this.#live(name);
    if (!inbox || (epoch !== undefined && epoch !== NO_CLAIM && this.#claims.get(name)?.epoch !== epoch)) return undefined;
    return this.#takeFrom(inbox);
  }

  #takeFrom(inbox: Inbox): StoredMessage | undefined {
    const queue = inbox.queue;
    if (!queue) return undefined;
    const message = queue.shift()!;
    if (queue.length === 0) inbox.queue = null;
    this.#messages--;
    this.#bytes -= message.bytes.length;
    return { from: message.from, contentType: message.contentType, body: Buffer.from(message.bytes, 'latin1') };
  }

  giveBack(name: string, message: StoredMessage): void {
    const inbox = this.#live(name);
    if (!inbox) return; // deleted or expired meanwhile: its queue went with it
    if (inbox.queue === null) inbox.queue = [queued(message)];
    else inbox.queue.unshift(queued(message));
    this.#messages++;
    this.#bytes += message.body.byteLength;
    this.#emit({ type: 'message', name });
  }

  release(): void {}

  remove(name: string, secret: string): RemoveOutcome {
    const inbox = this.#live(name);
    if (!inbox) return 'no-inbox';
    if (!sameText(inbox.secret, secret)) return 'wrong-password';
    this.#drop(name, inbox, 'deleted');
    return 'ok';
  }

  claim(name: string, leaseMs: number): number | undefined {
    const inbox = this.#live(name);
    if (!inbox) return undefined;
    const epoch = ++this.#lastEpoch;
    this.#claims.set(name, { epoch, leaseUntil: this.#o.clock.now() + leaseMs });
    this.#touch(name, inbox, leaseMs);
    this.#emit({ type: 'replaced', name, epoch });
    return epoch;
  }

  renew(name: string, epoch: number, leaseMs: number): boolean {
    const inbox = this.#live(name);
    const claim = this.#claims.get(name);
    if (!inbox || claim?.epoch !== epoch) return false;
    claim.leaseUntil = this.#o.clock.now() + leaseMs;
    this.#touch(name, inbox, leaseMs);
    return true;
  }

  unclaim(name: string, epoch: number): void {
    if (this.#claims.get(name)?.epoch !== epoch) return;
    this.#claims.delete(name);
    const inbox = this.#inboxes.get(name);
    if (inbox) this.#touch(name, inbox);
  }

  sweep(): number {
    return this.#sweep();
  }

  stats(): StoreStats {
    return { inboxes: this.#inboxes.size, messages: this.#messages, bytes: this.#bytes };
  }

  ping(): boolean {
    return true;
  }

  watch(name: string, listener: (event: InboxEvent) => void): () => void {
    let set = this.#watchers.get(name);
    if (!set) this.#watchers.set(name, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#watchers.get(name) === set) this.#watchers.delete(name);
    };
  }

  async close(): Promise<void> {
    this.#stopSweeping();
    this.#watchers.clear();
  }

  /** The inbox if it exists and has not expired; an expired one is dropped here (read-time expiry). */
  #live(name: string, now = this.#o.clock.now()): Inbox | undefined {
    const inbox = this.#inboxes.get(name);
    if (inbox && inbox.expiresAt <= now && !this.#leased(name)) {
      this.#drop(name, inbox, 'expired');
      return undefined;
    }
    return inbox;
  }

  /** Whether a reader's claim on the inbox is still within its lease. */
  #leased(name: string): boolean {
    const claim = this.#claims.get(name);
    return claim !== undefined && claim.leaseUntil > this.#o.clock.now();
  }

  /**
   * Restarts the idle TTL (from the end of a lease, when given) and moves the
   * inbox to the back of the expiry order, if it was not placed there lately.
   */
  #touch(name: string, inbox: Inbox, leaseMs = 0, now = this.#o.clock.now()): void {
    inbox.expiresAt = now + leaseMs + this.#o.inboxTtlMs;
    const nowSec = Math.floor(now / 1000);
    if (this.#lapsed.size > 0 && this.#lapsed.delete(name)) this.#unordered.add(name); // re-sorted below, or leased again
    if (leaseMs > 0) this.#unordered.add(name);
    else if (!(this.#unordered.size > 0 && this.#unordered.delete(name)) && nowSec - inbox.placedSec < REORDER_AFTER_SEC) return;
    this.#place(name, inbox, nowSec);
  }

  /** Moves the inbox to the back of the expiry order. */
  #place(name: string, inbox: Inbox, nowSec: number): void {
    this.#inboxes.delete(name);
    this.#inboxes.set(name, inbox);
    inbox.placedSec = nowSec;
  }

  #sweep(): number {
    const now = this.#o.clock.now();
    const nowSec = Math.floor(now / 1000);
    // Placed after this (in ms): its expiry, and every expiry behind it, is later than now.
    const livePlacedAfter = now - this.#o.inboxTtlMs;
    let dropped = 0;
    for (const name of this.#lapsed) {
      const inbox = this.#inboxes.get(name)!; // a dropped inbox leaves #lapsed
      if (inbox.expiresAt <= now) {
        this.#drop(name, inbox, 'expired');
        dropped++;
      }
    }
    let budget = this.#inboxes.size; // each inbox is visited at most once per sweep
    for (const [name, inbox] of this.#inboxes) {
      if (budget-- <= 0) break;
      const expired = inbox.expiresAt <= now;
      if (this.#leased(name)) {
        this.#place(name, inbox, nowSec);
      } else if (!expired && this.#unordered.has(name)) {
        this.#unordered.delete(name);
        this.#lapsed.add(name);
      } else if (expired) {
        this.#drop(name, inbox, 'expired');
        dropped++;
      } else if (inbox.placedSec * 1000 > livePlacedAfter) {
        break;
      }
      // else: placed over a TTL ago and touched since without moving; it expires within REORDER_AFTER_SEC.
    }
    return dropped;
  }

  #drop(name: string, inbox: Inbox, reason: 'deleted' | 'expired'): void {
    this.#inboxes.delete(name);
    this.#claims.delete(name);
    this.#unordered.delete(name);
    this.#lapsed.delete(name);
    const queue = inbox.queue;
    if (queue) {
      this.#messages -= queue.length;
      for (let i = 0; i < queue.length; i++) this.#bytes -= queue[i].bytes.length;
    }
    this.#emit({ type: 'gone', name, reason });
  }

  #emit(event: InboxEvent): void {
    const watchers = this.#watchers.get(event.name);
    // A listener may unwatch while this runs: a Set skips entries deleted during iteration.
    if (watchers) for (const listener of watchers) listener(event);
  }
}
