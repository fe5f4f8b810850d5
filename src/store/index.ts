/**
 * The one seam where a storage backend plugs in. Every piece of state that
 * nodes of one deployment must share sits behind one of these contracts;
 * createStores is the only place a backend is constructed.
 */
import type { Clock, Timers } from '../clock.ts';
import type { CallStateStore } from './call-state.ts';
import type { InboxStore } from './inbox.ts';
import type { LoopStore } from './loop.ts';
import { MemoryCallStateStore } from './memory/call-state.ts';
import { MemoryInboxStore } from './memory/inbox.ts';
import { MemoryLoopStore, type LoopMemoryLimits } from './memory/loop.ts';
import { MemoryLoopRoomStore } from './memory/rooms.ts';
import type { RedisBackend } from './redis/index.ts';
import type { LoopRoomStore } from './rooms.ts';

export interface Stores {
  /** Inboxes and their queues. */
  readonly inbox: InboxStore;
  /** Loop sessions, users, push URLs, call URLs and Hawk nonces. */
  readonly loop: LoopStore;
  /** Loop rooms, participants and deleted-room notices. */
  readonly rooms: LoopRoomStore;
  /** Loop calls: the callees' call lists, call-progress state, socket leases and timer deadlines, publish/subscribe. */
  readonly callState: CallStateStore;
}

/** What the backends need to know, in the units they use. */
export interface StoreSettings {
  readonly inboxTtlMs: number;
  readonly inboxCapacity: number;
  readonly maxInboxes: number;
  readonly maxQueuedBytes: number;
  /** `calls`: live calls in the whole call store. */
  readonly loopLimits: LoopMemoryLimits & { readonly calls: number };
  readonly callDurationMs: number;
}

/** How often the memory backends drop expired entries (reads never see them anyway). */
const SWEEP_INBOXES_EVERY_MS = 1000;
const SWEEP_LOOP_EVERY_MS = 30_000;

/** Where the shared state lives: this process (the default), or a deployment's Redis, already connected. */
export interface StoreBackend {
  readonly redis?: RedisBackend;
  /** A background store call (a sweep, a catch-up after a reconnect) failed. */
  readonly onBackgroundError?: (err: unknown) => void;
}

/**
 * Builds every store not given in `given` (tests inject some); the backends
 * sweep themselves on `timers` until closed. With a Redis backend every
 * store lives in Redis, on Redis's clock, shared by the nodes on it.
 */
export function createStores(settings: StoreSettings, clock: Clock, timers: Timers, given: Partial<Stores> = {}, backend: StoreBackend = {}): Stores {
  const sweepLoop = { timers, everyMs: SWEEP_LOOP_EVERY_MS };
  const sweepInboxes = { timers, everyMs: SWEEP_INBOXES_EVERY_MS };
  const remote = backend.redis?.stores(settings, { inboxes: sweepInboxes, loop: sweepLoop }, backend.onBackgroundError);
  return {
    inbox: given.inbox ?? remote?.inbox ?? new MemoryInboxStore({ ...settings, clock, sweep: sweepInboxes }),
    loop: given.loop ?? remote?.loop ?? new MemoryLoopStore({ clock, limits: settings.loopLimits, sweep: sweepLoop }),
    rooms: given.rooms ?? remote?.rooms ?? new MemoryLoopRoomStore({ clock, sweep: sweepLoop }),
    callState: given.callState ?? remote?.callState ?? new MemoryCallStateStore({
      clock, callDurationMs: settings.callDurationMs, maxCalls: settings.loopLimits.calls, sweep: sweepLoop,
    }),
  };
}

/** Closes the stores (in parallel) except those in `keep` (given by the caller, who closes them). */
export async function closeStores(stores: Stores, keep: Partial<Stores> = {}): Promise<void> {
  const all = [stores.inbox, stores.loop, stores.rooms, stores.callState];
  const kept = new Set<object>(Object.values(keep));
  await Promise.all(all.filter((s) => !kept.has(s)).map((s) => s.close()));
}

export type { CallStateStore, InboxStore, LoopRoomStore, LoopStore };
