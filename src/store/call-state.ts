import type { MaybeAsync } from './maybe-async.ts';

/** The §12.4 value types that cross the seam: a socket's role, the markers of a call, its derived states. */
export type Role = 'caller' | 'callee';

export type Marker = 'init' | 'init.caller' | 'init.callee' | 'connecting' | 'connected.caller' | 'connected.callee';

export type CallState =
  | 'init'
  | 'half-initiated'
  | 'alerting'
  | 'connecting'
  | 'half-connected'
  | 'connected'
  | 'terminated';

/** The states a `progress` broadcast can carry (init and half-initiated are never published). */
export type PublishedState = Exclude<CallState, 'init' | 'half-initiated'>;
export const isPublished = (state: CallState): state is PublishedState => state !== 'init' && state !== 'half-initiated';

/**
 * The storage contract behind calls: the call records of `POST /calls` and
 * `POST /calls/{token}` with their callees' call lists (loop-v1.md §7), and
 * the call-progress state of the WebSocket (§12). One store owns both, so a
 * call is created in one step and never exists in one and not the other.
 *
 * Like the inbox store it may answer asynchronously (MaybeAsync: the memory
 * backend answers at once) and passes plain data only, so Redis can
 * satisfy it as well as the in-process map. Every operation is one atomic
 * step (one Lua script in Redis); state changes travel as pub/sub messages on
 * a per-call channel.
 *
 * Several nodes share one store and must behave as one server, so what used
 * to live in one process lives here:
 * - a socket's presence is a *device*: an entry with a lease, renewed by the
 *   node that holds the socket. The device counts of §12.5/§12.9 count live
 *   leases; a lapsed lease (its node died) is reaped by whichever node runs
 *   `fireDue`, and reaping counts as that socket's close.
 * - the §12.8 timers are *deadlines* attached to a device, due on the store's
 *   clock. The node holding the socket fires its own at the exact time
 *   (`fireDeadline`); every node polls `fireDue`, which fires the deadlines
 *   whose node is gone. Firing removes the deadline in the same step as it
 *   terminates and publishes, so each fires once, whoever claims it.
 *
 * Every call lives `callDuration` from `create` and is never extended (§7.5);
 * once expired, every operation treats it as absent ("gone"), its devices and
 * deadlines included.
 *
 * A Redis layout that satisfies this (*note*): per call, keys sharing the
 * hash tag `{callId}` — a hash (tokens, reason, the REST record), a set of
 * markers, a hash of devices (id → role, lease end) and a sorted set of its
 * deadlines (`deviceId:kind` scored by due time) — all with PEXPIRE at the
 * call's end; per user a sorted set of call ids by expiry; one deployment-wide
 * sorted set of call ids scored by the call's next due time (earliest lease
 * end or deadline). `fireDue` is one script: `TIME`, the due call ids, and
 * for each: drop lapsed devices and due deadlines, apply §12.9/§12.8,
 * `PUBLISH` the change, re-score or remove the id. Scripts run one at a time,
 * so two nodes polling at once can never both fire one deadline.
 */

/** What the progress WebSocket needs of a call: its id and the two `websocketToken`s. */
export interface NewCall {
  /** 32 hex chars. */
  readonly callId: string;
  /** The `websocketToken` handed to the caller. */
  readonly wsCallerToken: string;
  /** The `websocketToken` handed to the callee(s) in `GET /calls`. */
  readonly wsCalleeToken: string;
}

/**
 * A call as placed (§7.2 step 5, §7.3): what it was created with, never
 * changed afterwards.
 */
export interface PlacedCall extends NewCall {
  readonly callType: string;
  readonly subject?: string;
  /** Creation, unix seconds (also the push `version`). */
  readonly timestamp: number;
  readonly callerId?: string;
  readonly calleeFriendlyName?: string;
  readonly apiKey: string;
  readonly sessionId: string;
  /** The callee's provider token (the caller's is never stored). */
  readonly calleeToken: string;
  /** Present for calls placed through a call URL. */
  readonly callToken?: string;
  readonly urlCreationDate?: number;
}

/** A snapshot of one live call's progress state. */
export interface CallRecord extends NewCall {
  /** Distinct markers, in the order they were set; empty once terminated. */
  readonly markers: readonly Marker[];
  /** The last termination reason stored, if any. */
  readonly reason?: string;
  /** Devices (sockets that completed a `hello`) per role whose lease has not lapsed. */
  readonly devices: { readonly caller: number; readonly callee: number };
}

/** The result of a conditional `addMarker`. */
export interface MarkerOutcome {
  /** The state when the operation looked, before any change. */
  readonly before: CallState;
  /** The state after it (equal to `before` when nothing was added). */
  readonly after: CallState;
  /** Whether the marker was new and the state allowed it. */
  readonly added: boolean;
  /** The stored termination reason, if any. */
  readonly reason?: string;
}

/** A broadcast: "call X changed to state T (+ reason)". */
export interface StateChange {
  readonly callId: string;
  readonly state: PublishedState;
  /** Only with `terminated`. */
  readonly reason?: string;
}

export type StateListener = (change: StateChange) => void;

/** The §12.8 timers. */
export type DeadlineKind = 'supervisory' | 'ringing' | 'connection';

/** §12.8: the states from which each deadline ends the call (never a terminated or gone one). */
export const DEADLINE_ENDS_FROM: Readonly<Record<DeadlineKind, readonly CallState[]>> = Object.freeze({
  supervisory: ['half-initiated'],
  ringing: ['alerting'],
  connection: ['init', 'half-initiated', 'alerting', 'connecting', 'half-connected'],
});

/** §12.12 reasons the store itself terminates with: a deadline fired; a party's last device left or lapsed. */
export const TIMEOUT_REASON = 'timeout';
export const CLOSED_REASON = 'closed';

/** One device (a socket's presence) of one call. */
export interface DeviceRef {
  readonly callId: string;
  /** Unique across the deployment (random). */
  readonly deviceId: string;
}

/** What `leave` did. */
export interface LeaveOutcome {
  /** Live devices of the leaving device's role left after it. */
  readonly left: number;
  /** It was its role's last device on a live call: the call was terminated with `closed` and that was published. */
  readonly terminated: boolean;
}

/** One thing `fireDue` did. */
export interface Firing {
  readonly callId: string;
  /** A due deadline, or `lease`: a lapsed device was reaped. */
  readonly kind: DeadlineKind | 'lease';
  readonly deviceId: string;
  /** It terminated the call (`timeout` for a deadline, `closed` for a party's last device) and published that. */
  readonly terminated: boolean;
}

export interface CallStateStore {
  /**
   * Stores a new call, in one step: its record in the call list of every
   * user given whose list holds fewer than `maxPerUser` live calls, and its
   * progress state (marker `init`, no devices); it expires `callDuration`
   * from now. Returns those users; when there are none (or the store's
   * capacity for calls is used up) nothing is stored.
   */
  create(call: PlacedCall, calleeUserKeys: readonly string[], maxPerUser?: number): MaybeAsync<string[]>;
  /** How many live calls the user's call list holds (terminated ones included). */
  countCalls(userKey: string): MaybeAsync<number>;
  /** The user's live calls that are not terminated (§7.4), any order. */
  listCalls(userKey: string): MaybeAsync<PlacedCall[]>;
  /** Deletes every call in the user's call list, progress state included (a later hello gets `bad callId`). */
  deleteUserCalls(userKey: string): MaybeAsync<void>;

  /** The live call, or undefined when it never existed or has expired. */
  get(callId: string): MaybeAsync<CallRecord | undefined>;
  /**
   * Adds `marker` if the call's current state is one of `allowedFrom`, in one
   * atomic step (a concurrent terminate cannot slip between the check and the
   * write). Adding a marker already set changes nothing. Undefined: call gone.
   * With `publish`, the resulting state is broadcast in the same step when the
   * state before was one of `allowedFrom` and the state after is one that is
   * published (what a client's action or `hello` announces: a node that dies
   * after the change can no longer leave it unannounced).
   */
  addMarker(callId: string, marker: Marker, allowedFrom: readonly CallState[], publish?: boolean): MaybeAsync<MarkerOutcome | undefined>;
  /**
   * Clears every marker and stores `reason` when one is given (without one an
   * earlier reason stays). With `onlyFrom`, does so only when the current
   * state is one of them (atomically). Resolves true when it terminated the
   * call, false when the call is gone or its state was not in `onlyFrom`.
   * With `publish`, `terminated` (with `reason`) is broadcast in the same step,
   * whatever the outcome, as a client's terminate is announced.
   */
  terminate(callId: string, reason?: string, onlyFrom?: readonly CallState[], publish?: boolean): MaybeAsync<boolean>;

  /**
   * Adds a device of `role` whose lease ends `leaseMs` from now; resolves the
   * role's live devices, this one included, or undefined when the call is gone.
   */
  join(device: DeviceRef, role: Role, leaseMs: number): MaybeAsync<number | undefined>;
  /**
   * Extends the leases of these devices to `leaseMs` from now (the node that
   * holds their sockets calls it periodically). Resolves the ones it could not
   * extend: their call is gone or their lease lapsed and was reaped.
   */
  renew(devices: readonly DeviceRef[], leaseMs: number): MaybeAsync<DeviceRef[]>;
  /**
   * Removes a device and its deadlines (§12.9). If it was its role's last live
   * device and the call is not terminated, terminates the call with `closed`
   * and publishes that, in the same step. Undefined: the call or the device
   * is gone (nothing to do).
   */
  leave(device: DeviceRef): MaybeAsync<LeaveOutcome | undefined>;

  /**
   * Arms (or re-arms) the device's `kind` deadline `inMs` from now. False
   * when the call or the device is gone (a lapsed lease counts as gone).
   */
  setDeadline(device: DeviceRef, kind: DeadlineKind, inMs: number): MaybeAsync<boolean>;
  /**
   * The device's own node fires its deadline (at its time, by its timer):
   * if the deadline is still armed, removes it and, when the call's state is
   * one `kind` ends (DEADLINE_ENDS_FROM), terminates the call with `timeout`
   * and publishes that, all in one step. Undefined when it was no longer
   * armed (fired by another node's `fireDue`, or its device or call is gone)
   * or when the device's lease lapsed before the deadline fell due: then, as
   * in `fireDue`, the lease is reaped (closed) and takes the deadline along,
   * whichever node gets there first.
   */
  fireDeadline(device: DeviceRef, kind: DeadlineKind): MaybeAsync<Firing | undefined>;
  /**
   * Every node polls this: claims up to `max` due items on the store's clock
   * (deadlines past their time, devices past their lease), and fires each as
   * `fireDeadline` and `leave` would. Each is claimed by one caller only.
   */
  fireDue(max?: number): MaybeAsync<Firing[]>;

  /** Delivers `change` to every subscriber of its call (on every node), in publish order. Listeners must not throw. */
  publish(change: StateChange): MaybeAsync<void>;
  /**
   * Subscribes to the broadcasts of one call. Resolves, once changes
   * published from then on will be delivered, to the unsubscribe function.
   */
  subscribe(callId: string, listener: StateListener): MaybeAsync<() => void>;
  close(): Promise<void>;
}
