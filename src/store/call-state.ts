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

/**
 * The storage contract behind the call-progress WebSocket (loop-v1.md §12).
 * Like the inbox store (src/store/types.ts) it is async and passes plain data
 * only, so Redis can satisfy it as well as the in-process map: a call is a
 * hash (tokens, reason, device counters) plus a set of markers, each
 * conditional write is one atomic step (a Lua script in Redis), and state
 * changes travel as pub/sub messages on a per-call channel.
 *
 * Every call lives `callDuration` from `create` and is never extended (§7.5);
 * once expired, every operation treats it as absent ("gone").
 */

/** What the call-creation code (`POST /calls`, `POST /calls/{token}`) stores for a new call. */
export interface NewCall {
  /** 32 hex chars. */
  readonly callId: string;
  /** The `websocketToken` handed to the caller. */
  readonly wsCallerToken: string;
  /** The `websocketToken` handed to the callee(s) in `GET /calls`. */
  readonly wsCalleeToken: string;
}

/** A snapshot of one live call. */
export interface CallRecord extends NewCall {
  /** Distinct markers, in the order they were set; empty once terminated. */
  readonly markers: readonly Marker[];
  /** The last termination reason stored, if any. */
  readonly reason?: string;
  /** Sockets that completed a `hello`, per role, still open. */
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

export interface CallStateStore {
  /** Stores a new call with marker `init` and zero devices; it expires `callDuration` from now. */
  create(call: NewCall): Promise<void>;
  /** The live call, or undefined when it never existed or has expired. */
  get(callId: string): Promise<CallRecord | undefined>;
  /**
   * Adds `marker` if the call's current state is one of `allowedFrom`, in one
   * atomic step (a concurrent terminate cannot slip between the check and the
   * write). Adding a marker already set changes nothing. Undefined: call gone.
   */
  addMarker(callId: string, marker: Marker, allowedFrom: readonly CallState[]): Promise<MarkerOutcome | undefined>;
  /**
   * Clears every marker and stores `reason` when one is given (without one an
   * earlier reason stays). With `onlyFrom`, does so only when the current
   * state is one of them (atomically). Resolves true when it terminated the
   * call, false when the call is gone or its state was not in `onlyFrom`.
   */
  terminate(callId: string, reason?: string, onlyFrom?: readonly CallState[]): Promise<boolean>;
  /** Adds one device of `role`; resolves the new count, or undefined when the call is gone. */
  incDevices(callId: string, role: Role): Promise<number | undefined>;
  /** Removes one device of `role` (never below 0); resolves the new count, or undefined when the call is gone. */
  decDevices(callId: string, role: Role): Promise<number | undefined>;
  /** Delivers `change` to every subscriber of its call (on every node), in publish order. Listeners must not throw. */
  publish(change: StateChange): Promise<void>;
  /**
   * Subscribes to the broadcasts of one call. Resolves, once changes
   * published from then on will be delivered, to the unsubscribe function.
   */
  subscribe(callId: string, listener: StateListener): Promise<() => void>;
  /** Forgets the call at once (its owner's account was deleted): a later hello gets `bad callId`. */
  delete(callId: string): Promise<void>;
  close(): Promise<void>;
}
