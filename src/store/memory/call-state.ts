import type { Clock } from '../../clock.ts';
import { startSweeping, type SweepSchedule } from './sweeping.ts';
import { stateForMarkerCount, type CallState, type Marker, type Role } from '../../loop/progress/call-state.ts';
import type {
  CallRecord, CallStateStore, MarkerOutcome, NewCall, StateChange, StateListener,
} from '../call-state.ts';

export interface MemoryCallStateStoreOptions {
  /** How long a call lives after `create`, never extended (§7.5 `callDuration`, default 60 000). */
  readonly callDurationMs: number;
  readonly clock: Clock;
  /** Drop expired calls on this schedule (see createStores); absent: at each create, or by sweep(). */
  readonly sweep?: SweepSchedule;
}

class Call {
  readonly markers = new Set<Marker>(['init']);
  reason: string | undefined;
  caller = 0;
  callee = 0;
  constructor(readonly tokens: NewCall, readonly expiresAt: number) {}

  get state(): CallState {
    return stateForMarkerCount(this.markers.size);
  }
}

/**
 * The in-process call-state store. Expiry is checked when a call is read; as
 * every call lives the same fixed time, the Map's insertion order is also
 * its expiry order, so `create` drops expired calls from the front in
 * O(expired). Broadcasts are delivered synchronously to this process's
 * subscribers, in publish order.
 */
export class MemoryCallStateStore implements CallStateStore {
  readonly #calls = new Map<string, Call>();
  readonly #listeners = new Map<string, Set<StateListener>>();
  readonly #o: MemoryCallStateStoreOptions;

  readonly #stopSweeping: () => void;

  constructor(options: MemoryCallStateStoreOptions) {
    this.#o = options;
    this.#stopSweeping = startSweeping(options.sweep, () => this.sweep());
  }

  async create(call: NewCall): Promise<void> {
    this.sweep();
    const { callId, wsCallerToken, wsCalleeToken } = call;
    this.#calls.delete(callId); // re-insert at the back: keeps the Map in expiry order
    this.#calls.set(callId, new Call({ callId, wsCallerToken, wsCalleeToken }, this.#o.clock.now() + this.#o.callDurationMs));
  }

  async get(callId: string): Promise<CallRecord | undefined> {
    const call = this.#live(callId);
    if (!call) return undefined;
    return {
      ...call.tokens,
      markers: [...call.markers],
      ...(call.reason !== undefined && { reason: call.reason }),
      devices: { caller: call.caller, callee: call.callee },
    };
  }

  async addMarker(callId: string, marker: Marker, allowedFrom: readonly CallState[]): Promise<MarkerOutcome | undefined> {
    const call = this.#live(callId);
    if (!call) return undefined;
    const before = call.state;
    const added = allowedFrom.includes(before) && !call.markers.has(marker);
    if (added) call.markers.add(marker);
    return { before, after: call.state, added, ...(call.reason !== undefined && { reason: call.reason }) };
  }

  async terminate(callId: string, reason?: string, onlyFrom?: readonly CallState[]): Promise<boolean> {
    const call = this.#live(callId);
    if (!call || (onlyFrom && !onlyFrom.includes(call.state))) return false;
    call.markers.clear();
    if (reason !== undefined) call.reason = reason;
    return true;
  }

  async incDevices(callId: string, role: Role): Promise<number | undefined> {
    const call = this.#live(callId);
    if (!call) return undefined;
    return ++call[role];
  }

  async decDevices(callId: string, role: Role): Promise<number | undefined> {
    const call = this.#live(callId);
    if (!call) return undefined;
    if (call[role] > 0) call[role]--;
    return call[role];
  }

  async publish(change: StateChange): Promise<void> {
    const listeners = this.#listeners.get(change.callId);
    if (!listeners) return;
    const message = Object.freeze({ ...change });
    // A snapshot: listeners unsubscribe (their socket closes) while we deliver.
    for (const listener of [...listeners]) listener(message);
  }

  async subscribe(callId: string, listener: StateListener): Promise<() => void> {
    let set = this.#listeners.get(callId);
    if (!set) this.#listeners.set(callId, (set = new Set()));
    const entry: StateListener = (change) => listener(change); // distinct per call, so one function may subscribe twice
    set.add(entry);
    return () => {
      set.delete(entry);
      if (set.size === 0 && this.#listeners.get(callId) === set) this.#listeners.delete(callId);
    };
  }

  async delete(callId: string): Promise<void> {
    this.#calls.delete(callId);
  }

  async close(): Promise<void> {
    this.#stopSweeping();
    this.#listeners.clear();
  }

  /** Drops expired calls; returns how many went. `create` calls it too. */
  sweep(): number {
    const now = this.#o.clock.now();
    let dropped = 0;
    for (const [callId, call] of this.#calls) {
      if (call.expiresAt > now) break;
      this.#calls.delete(callId);
      dropped++;
    }
    return dropped;
  }

  /** Calls held, including expired ones not yet dropped. */
  get size(): number {
    return this.#calls.size;
  }

  /** The call if it exists and has not expired; an expired one is dropped here (read-time expiry). */
  #live(callId: string): Call | undefined {
    const call = this.#calls.get(callId);
    if (call && call.expiresAt <= this.#o.clock.now()) {
      this.#calls.delete(callId);
      return undefined;
    }
    return call;
  }
}
