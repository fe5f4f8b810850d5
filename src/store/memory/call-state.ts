import type { Clock } from '../../clock.ts';
import { startSweeping, type SweepSchedule } from './sweeping.ts';
import { frozenCopy } from './frozen.ts';
import { index, unindex } from './index-sets.ts';
import { LIVE_STATES, stateForMarkerCount, type CallState, type Marker, type Role } from '../../loop/progress/call-state.ts';
import {
  CLOSED_REASON, DEADLINE_ENDS_FROM, TIMEOUT_REASON, isPublished,
  type CallRecord, type CallStateStore, type DeadlineKind, type DeviceRef, type Firing, type LeaveOutcome,
  type MarkerOutcome, type PlacedCall, type StateChange, type StateListener,
} from '../call-state.ts';

export interface MemoryCallStateStoreOptions {
  /** How long a call lives after `create`, never extended (§7.5 `callDuration`, default 60 000). */
  readonly callDurationMs: number;
  readonly clock: Clock;
  /** Live calls the store holds at most (`limits.calls`); `create` stores nothing beyond it. Default: no cap. */
  readonly maxCalls?: number;
  /** Drop expired calls on this schedule (see createStores); absent: at each create, or by sweep(). */
  readonly sweep?: SweepSchedule;
}

/** How many due items one `fireDue` claims when the caller gives no `max`. */
const DEFAULT_FIRE_MAX = 1000;

class Device {
  readonly deadlines = new Map<DeadlineKind, number>();
  constructor(readonly role: Role, public leaseUntil: number) {}
}

/** A placed call's markers; every change makes a new array, so the calls that never progressed share this one. */
const INIT_ONLY: readonly Marker[] = Object.freeze(['init']);
const TERMINATED: readonly Marker[] = Object.freeze([]);

/**
 * A call, kept for its whole lifetime (every call placed is held for
 * `callDurationMs`), so it is kept small: the markers are shared arrays until
 * they change, the devices map exists only while the call has devices, a
 * single callee is held as its key, and times are small integers (see #now).
 * Each object held per call is one more for every young-generation
 * collection to copy while the call is new.
 */
class Call {
  /** Distinct markers in the order they were set; never mutated (replaced). */
  markers: readonly Marker[] = INIT_ONLY;
  reason: string | undefined = undefined;
  /** The call's devices; undefined while it has none. */
  devices: Map<string, Device> | undefined = undefined;
  constructor(readonly record: PlacedCall, readonly users: string | readonly string[], readonly expiresAt: number) {}

  get state(): CallState {
    return stateForMarkerCount(this.markers.length);
  }

  /** Devices of `role` whose lease has not lapsed at `now`. */
  live(role: Role, now: number): number {
    let n = 0;
    if (this.devices) for (const d of this.devices.values()) if (d.role === role && d.leaseUntil > now) n++;
    return n;
  }
}

/**
 * The in-process call store. Expiry is checked when a call is read; as every
 * call lives the same fixed time, the Map's insertion order is also its
 * expiry order, so `create` drops expired calls from the front in
 * O(expired). `fireDue` looks only at calls that have devices. Broadcasts
 * are delivered synchronously to this process's subscribers, in publish
 * order; every app sharing this object hears them.
 */
export class MemoryCallStateStore implements CallStateStore {
  readonly #calls = new Map<string, Call>();
  /** userKey → ids of the calls in its call list (may hold expired ids until touched). */
  readonly #userCalls = new Map<string, Set<string>>();
  /** Calls that hold devices: the only ones with leases and deadlines. */
  readonly #active = new Set<string>();
  readonly #listeners = new Map<string, Set<StateListener>>();
  readonly #o: MemoryCallStateStoreOptions;
  readonly #epoch: number;

  readonly #stopSweeping: () => void;

  constructor(options: MemoryCallStateStoreOptions) {
    this.#o = options;
    this.#epoch = options.clock.now();
    this.#stopSweeping = startSweeping(options.sweep, () => this.sweep());
  }

  create(call: PlacedCall, calleeUserKeys: readonly string[], maxPerUser = Infinity): string[] {
    this.sweep();
    this.#drop(call.callId); // a reused id starts afresh, at the back: keeps the Map in expiry order
    if (this.#calls.size >= (this.#o.maxCalls ?? Infinity)) return [];
    const users = [...new Set(calleeUserKeys)].filter((u) => this.#countLive(u) < maxPerUser);
    if (users.length === 0) return users;
    this.#calls.set(call.callId, new Call(frozenCopy(call), users.length === 1 ? users[0] : [...users], this.#now() + this.#o.callDurationMs));
    for (const user of users) index(this.#userCalls, user, call.callId);
    return users;
  }

  countCalls(userKey: string): number {
    return this.#countLive(userKey);
  }

  listCalls(userKey: string): PlacedCall[] {
    const out: PlacedCall[] = [];
    for (const callId of [...(this.#userCalls.get(userKey) ?? [])]) {
      const call = this.#live(callId);
      if (call && call.state !== 'terminated') out.push(call.record);
    }
    return out;
  }

  deleteUserCalls(userKey: string): void {
    for (const callId of [...(this.#userCalls.get(userKey) ?? [])]) this.#drop(callId);
    this.#userCalls.delete(userKey);
  }

  get(callId: string): CallRecord | undefined {
    const call = this.#live(callId);
    if (!call) return undefined;
    const now = this.#now();
    const { wsCallerToken, wsCalleeToken } = call.record;
    return {
      callId, wsCallerToken, wsCalleeToken,
      markers: [...call.markers],
      ...(call.reason !== undefined && { reason: call.reason }),
      devices: { caller: call.live('caller', now), callee: call.live('callee', now) },
    };
  }

  addMarker(callId: string, marker: Marker, allowedFrom: readonly CallState[], publish = false): MarkerOutcome | undefined {
    const call = this.#live(callId);
    if (!call) return undefined;
    const before = call.state;
    const allowed = allowedFrom.includes(before);
    const added = allowed && !call.markers.includes(marker);
    if (added) call.markers = [...call.markers, marker];
    if (publish && allowed && isPublished(call.state)) this.#deliver({ callId, state: call.state });
    return { before, after: call.state, added, ...(call.reason !== undefined && { reason: call.reason }) };
  }

  terminate(callId: string, reason?: string, onlyFrom?: readonly CallState[], publish = false): boolean {
    const call = this.#live(callId);
    const done = call !== undefined && this.#terminate(call, reason, onlyFrom, false);
    if (publish) this.#deliver({ callId, state: 'terminated', ...(reason !== undefined && { reason }) });
    return done;
  }

  join(device: DeviceRef, role: Role, leaseMs: number): number | undefined {
    const call = this.#live(device.callId);
    if (!call) return undefined;
    (call.devices ??= new Map()).set(device.deviceId, new Device(role, this.#now() + leaseMs));
    this.#active.add(device.callId);
    return call.live(role, this.#now());
  }

  renew(devices: readonly DeviceRef[], leaseMs: number): DeviceRef[] {
    const now = this.#now();
    const lost: DeviceRef[] = [];
    for (const ref of devices) {
      const device = this.#live(ref.callId)?.devices?.get(ref.deviceId);
      // A lapsed lease is not revived: the socket already counts as closed.
      if (device && device.leaseUntil > now) device.leaseUntil = now + leaseMs;
      else lost.push({ callId: ref.callId, deviceId: ref.deviceId });
    }
    return lost;
  }

  leave(ref: DeviceRef): LeaveOutcome | undefined {
    const call = this.#live(ref.callId);
    const device = call?.devices?.get(ref.deviceId);
    if (!call || !device) return undefined;
    return this.#remove(call, ref, device);
  }

  setDeadline(ref: DeviceRef, kind: DeadlineKind, inMs: number): boolean {
    const device = this.#live(ref.callId)?.devices?.get(ref.deviceId);
    if (!device || device.leaseUntil <= this.#now()) return false; // a lapsed lease is a closed socket: no timer
    device.deadlines.set(kind, this.#now() + inMs);
    return true;
  }

  fireDeadline(ref: DeviceRef, kind: DeadlineKind): Firing | undefined {
    const call = this.#live(ref.callId);
    const device = call?.devices?.get(ref.deviceId);
    const at = device?.deadlines.get(kind);
    if (!call || !device || at === undefined) return undefined;
    // As a poll would now: a lease that lapsed before the deadline fell due is reaped first and takes it along.
    if (device.leaseUntil <= this.#now() && device.leaseUntil <= at) return undefined;
    device.deadlines.delete(kind);
    const { callId, deviceId } = ref;
    return { callId, deviceId, kind, terminated: this.#terminate(call, TIMEOUT_REASON, DEADLINE_ENDS_FROM[kind]) };
  }

  fireDue(max = DEFAULT_FIRE_MAX): Firing[] {
    const now = this.#now();
    const fired: Firing[] = [];
    for (const callId of [...this.#active]) {
      if (fired.length >= max) break;
      const call = this.#live(callId);
      if (!call?.devices) continue;
      // What fell due in this call, in time order: a deadline that came before its device's lease ended fires first.
      const due: { at: number; deviceId: string; device: Device; kind: DeadlineKind | 'lease' }[] = [];
      for (const [deviceId, device] of call.devices) {
        if (device.leaseUntil <= now) due.push({ at: device.leaseUntil, deviceId, device, kind: 'lease' });
        for (const [kind, at] of device.deadlines) if (at <= now) due.push({ at, deviceId, device, kind });
      }
      due.sort((a, b) => a.at - b.at);
      for (const item of due) {
        if (fired.length >= max) break;
        if (call.devices?.get(item.deviceId) !== item.device) continue; // reaped just before
        const ref = { callId, deviceId: item.deviceId };
        if (item.kind === 'lease') {
          fired.push({ ...ref, kind: 'lease', terminated: this.#remove(call, ref, item.device).terminated });
        } else if (item.device.deadlines.delete(item.kind)) {
          fired.push({ ...ref, kind: item.kind, terminated: this.#terminate(call, TIMEOUT_REASON, DEADLINE_ENDS_FROM[item.kind]) });
        }
      }
    }
    return fired;
  }

  publish(change: StateChange): void {
    this.#deliver(change);
  }

  subscribe(callId: string, listener: StateListener): () => void {
    let set = this.#listeners.get(callId);
    if (!set) this.#listeners.set(callId, (set = new Set()));
    const entry: StateListener = (change) => listener(change); // distinct per call, so one function may subscribe twice
    set.add(entry);
    return () => {
      set.delete(entry);
      if (set.size === 0 && this.#listeners.get(callId) === set) this.#listeners.delete(callId);
    };
  }

  async close(): Promise<void> {
    this.#stopSweeping();
    this.#listeners.clear();
  }

  /** Drops expired calls; returns how many went. `create` calls it too. */
  sweep(): number {
    const now = this.#now();
    let dropped = 0;
    for (const [callId, call] of this.#calls) {
      if (call.expiresAt > now) break;
      this.#drop(callId);
      dropped++;
    }
    return dropped;
  }

  /** Calls held, including expired ones not yet dropped. */
  get size(): number {
    return this.#calls.size;
  }

  /**
   * Live calls in the user's list. Every call lives the same time from its
   * creation and a list is filled in creation order (a reused id leaves and
   * joins at the back), so its expired calls are at its front: they are
   * dropped, and the rest are live. O(expired), not O(calls) per request.
   */
  #countLive(userKey: string): number {
    const ids = this.#userCalls.get(userKey);
    if (!ids) return 0;
    const now = this.#now();
    for (const callId of ids) {
      const call = this.#calls.get(callId);
      if (call && call.expiresAt > now) break;
      this.#drop(callId); // unindexes it (deleting the current entry of a Set being iterated is safe)
      if (!call) unindex(this.#userCalls, userKey, callId);
    }
    return this.#userCalls.get(userKey)?.size ?? 0;
  }

  /** Removes a device (a leave or a lapsed lease): §12.9 when it was its role's last live one. */
  #remove(call: Call, ref: DeviceRef, device: Device): LeaveOutcome {
    call.devices!.delete(ref.deviceId);
    if (call.devices!.size === 0) {
      call.devices = undefined;
      this.#active.delete(ref.callId);
    }
    const left = call.live(device.role, this.#now());
    return { left, terminated: left === 0 && this.#terminate(call, CLOSED_REASON, LIVE_STATES) };
  }

  /**
   * Terminates when the state allows; true when it did. The store's own
   * terminations (deadlines, last device) publish in the same step; a
   * client's terminate publishes when its session asks (terminate's `publish`).
   */
  #terminate(call: Call, reason: string | undefined, onlyFrom: readonly CallState[] | undefined, publish = true): boolean {
    if (onlyFrom && !onlyFrom.includes(call.state)) return false;
    call.markers = TERMINATED;
    if (reason !== undefined) call.reason = reason;
    if (publish) this.#deliver({ callId: call.record.callId, state: 'terminated', ...(reason !== undefined && { reason }) });
    return true;
  }

  #deliver(change: StateChange): void {
    const listeners = this.#listeners.get(change.callId);
    if (!listeners) return;
    const message = Object.freeze({ ...change });
    // A snapshot: listeners unsubscribe (their socket closes) while we deliver.
    for (const listener of [...listeners]) listener(message);
  }

  /**
   * The store's time: ms since it was built. Expiries, leases and deadlines
   * are then small integers (V8 Smis) for the first 24.8 days of a process,
   * where epoch milliseconds would each take a heap number per call.
   */
  #now(): number {
    return this.#o.clock.now() - this.#epoch;
  }

  /** The call if it exists and has not expired; an expired one is dropped here (read-time expiry). */
  #live(callId: string): Call | undefined {
    const call = this.#calls.get(callId);
    if (call && call.expiresAt <= this.#now()) {
      this.#drop(callId);
      return undefined;
    }
    return call;
  }

  #drop(callId: string): void {
    const call = this.#calls.get(callId);
    if (!call) return;
    this.#calls.delete(callId);
    this.#active.delete(callId);
    if (typeof call.users === 'string') unindex(this.#userCalls, call.users, callId);
    else for (const user of call.users) unindex(this.#userCalls, user, callId);
  }
}
