import type { TimerHandle, Timers } from '../../clock.ts';
import { randomHex } from '../credentials.ts';
import {
  deriveState, helloState, type CallState, type ProgressTimings, type PublishedState, type Role,
} from './call-state.ts';
import { applyAction, type ActionOutcome } from './actions.ts';
import { deliveryFor } from './delivery.ts';
import { decodeFrame, type ActionMessage, type Decoded, type HelloMessage } from './frames.ts';
import type { DevicePresence } from './presence.ts';
import { closeCodes, errorReasons, type ProgressSocket, type ServerMessage } from './protocol.ts';
import { roleFor } from './role.ts';
import { SocketTimers } from './socket-timers.ts';
import type { CallStateStore, DeadlineKind, DeviceRef, MarkerOutcome, StateChange } from '../../store/call-state.ts';

export interface ProgressSessionDeps {
  readonly store: CallStateStore;
  readonly timers: Timers;
  readonly timings: ProgressTimings;
  /** Internal failures (store errors); the socket then gets "Service Unavailable" and is closed. */
  readonly onError?: (err: unknown) => void;
  /** `progressHelloTimeout` in ms: a socket with no `hello` by then gets an error and close 4408. None when absent. */
  readonly helloTimeoutMs?: number;
  /** `limits.jsonDepth`: deepest nesting of a frame. */
  readonly maxJsonDepth?: number;
  /**
   * Keeps this socket's device lease alive in the store while it is open.
   * Absent (one process, tests): the device is leased for the call's whole life.
   */
  readonly presence?: DevicePresence;
  /** A device id per socket, unique across the deployment (default: 16 random hex chars). */
  readonly newDeviceId?: () => string;
}

/** Without a presence keeper, a device outlives its call: calls live at most callDuration. */
const UNRENEWED_LEASE_MS = 24 * 3600 * 1000;

/**
 * One call-progress WebSocket (loop-v1.md §12): `hello` / `action` / `echo`,
 * broadcast delivery, the socket's timers and its close. The transport only
 * forwards frames to `receive` and its close event to `closed`.
 *
 * Frames are handled one at a time, in order; broadcasts and timers arrive
 * in between. After every `await` the socket may have closed: from then on
 * nothing is sent, but a state change already stored is still published.
 *
 * Across nodes: the socket is a device in the store with a lease its node
 * renews (`presence`); its §12.8 timers are deadlines of that device in the
 * store, fired at their time by this node's timer (`fireDeadline`) or, if
 * this node died, by any node's poll (`fireDue`), once either way.
 */
export class ProgressSession {
  readonly #socket: ProgressSocket;
  readonly #d: ProgressSessionDeps;
  /** Set once authenticated; `counted` is the device's join, which a close undoes. */
  #joined: {
    readonly callId: string;
    readonly role: Role;
    readonly device: DeviceRef;
    readonly counted: Promise<number | undefined>;
  } | undefined;
  /** Stops renewing this socket's lease. */
  #unhold: (() => void) | undefined;
  #accepted = false;
  /** This socket's accept is with the store: a `connecting` broadcast waits for its answer (#heldConnecting). */
  #acceptPending = false;
  #heldConnecting: StateChange | null = null;
  /**
   * This socket's `hello` is with the store, which announces the `alerting`
   * it may cause in the same step: broadcasts wait here for the hello's
   * reply, which must reach the socket first.
   */
  #heldForHello: StateChange[] | null = null;
  #lastProgress: PublishedState | undefined;
  #closed = false;
  #leaving: Promise<void> | undefined;
  #unsubscribe: (() => void) | undefined;
  readonly #timers: SocketTimers;
  /** The wait for a first `hello`; restarted by an echo, cancelled when a hello arrives or the socket closes. */
  #helloTimer: TimerHandle | undefined;
  #queue: Promise<void> = Promise.resolve();

  constructor(socket: ProgressSocket, deps: ProgressSessionDeps) {
    this.#socket = socket;
    this.#d = deps;
    this.#timers = new SocketTimers(deps.timers);
    this.#armHelloTimer();
  }

  /**
   * (Re)starts the wait for a first `hello`. §12.11 keeps a socket that only
   * echoes open: each echo starts the wait again, so only a silent socket
   * that never says hello is closed.
   */
  #armHelloTimer(): void {
    if (this.#d.helloTimeoutMs === undefined) return;
    this.#cancelHelloTimer();
    this.#helloTimer = this.#d.timers.setTimeout(() => {
      this.#helloTimer = undefined;
      this.#error(errorReasons.helloTimeout, closeCodes.helloTimeout);
    }, this.#d.helloTimeoutMs);
  }

  /** The role once a `hello` succeeded. */
  get role(): Role | undefined {
    return this.#joined?.role;
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  /**
   * One frame from the client. Decoded at once (uWS reuses the buffer after
   * the message callback returns), handled after the frames before it.
   * Resolves when it has been handled; never rejects.
   */
  receive(data: string | ArrayBuffer | ArrayBufferView, binary = false): Promise<void> {
    if (this.#closed) return this.#queue;
    const decoded = decodeFrame(data, binary, this.#d.maxJsonDepth);
    this.#queue = this.#queue
      .then(() => (this.#closed ? undefined : this.#dispatch(decoded)))
      .catch((err) => this.#fail(err));
    return this.#queue;
  }

  /**
   * The socket closed (client, network, or us): §12.9. Idempotent; the
   * transport calls it from its close handler. Resolves when the call has
   * been updated; never rejects.
   */
  closed(): Promise<void> {
    if (this.#leaving) return this.#leaving;
    this.#closed = true;
    this.#cancelHelloTimer();
    this.#timers.cancelAll();
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#unhold?.();
    this.#unhold = undefined;
    this.#leaving = this.#leave().catch((err) => this.#d.onError?.(err));
    return this.#leaving;
  }

  async #leave(): Promise<void> {
    if (!this.#joined) return;
    const { device, counted } = this.#joined;
    // Remove only what was added, and only after it was (the hello may still be running).
    if ((await counted.catch(() => undefined)) === undefined) return;
    // The last device of its role ends a live call with `closed`; the store publishes that.
    await this.#d.store.leave(device);
  }

  async #dispatch(decoded: Decoded): Promise<void> {
    if (decoded.kind === 'too-large') return this.#close(closeCodes.tooBig, 'Message too big');
    if (decoded.kind === 'binary') return this.#error(errorReasons.malformed, closeCodes.unsupportedData);
    if (decoded.kind === 'error') return this.#error(decoded.reason);
    const message = decoded.message;
    switch (message.messageType) {
      case 'echo':
        if (this.#helloTimer !== undefined) this.#armHelloTimer();
        return this.#send(Object.hasOwn(message, 'echo') ? { messageType: 'echo', echo: message.echo } : { messageType: 'echo' });
      case 'hello':
        this.#cancelHelloTimer(); // the hello now succeeds, or its error closes the socket
        return this.#hello(message);
      case 'action':
        return this.#action(message);
    }
  }

  /** §12.3 and §12.5. */
  async #hello(m: HelloMessage): Promise<void> {
    const store = this.#d.store;
    if (this.#joined) return this.#repeatHello(this.#joined.callId);
    const call = await store.get(m.callId);
    if (this.#closed) return;
    if (!call) return this.#error(errorReasons.badCallId);
    const role = roleFor(call, m.auth);
    if (!role) return this.#error(errorReasons.badAuthentication);
    const callId = m.callId;
    const device = { callId, deviceId: this.#d.newDeviceId?.() ?? randomHex(8) };
    const presence = this.#d.presence;
    const counted = Promise.resolve(store.join(device, role, presence?.leaseMs ?? UNRENEWED_LEASE_MS));
    this.#joined = { callId, role, device, counted };
    if ((await counted) === undefined) return this.#error(errorReasons.badCallId);
    if (this.#closed) return;
    this.#unhold = presence?.hold(device, () => this.#lost());
    const unsubscribe = await store.subscribe(callId, (change) => this.#onBroadcast(change));
    if (this.#closed) return unsubscribe();
    this.#unsubscribe = unsubscribe;
    this.#startTimer('supervisory', this.#d.timings.supervisoryMs);
    // Reading the state, adding init.<role> and announcing the alerting that may cause are one atomic step.
    const held: StateChange[] = (this.#heldForHello = []);
    let outcome: MarkerOutcome | undefined;
    try {
      outcome = await store.addMarker(callId, `init.${role}`, ['init', 'half-initiated'], true);
    } finally {
      this.#heldForHello = null;
    }
    if (this.#closed) return;
    if (!outcome) return this.#error(errorReasons.badCallId);
    // The reply must reach this socket before the progress heard meanwhile, this hello's own included.
    this.#helloReply(outcome, role);
    for (const change of held) this.#onBroadcast(change);
  }

  #helloReply(outcome: MarkerOutcome, role: Role): void {
    if (!outcome.added && outcome.before !== 'init' && outcome.before !== 'half-initiated') {
      return this.#replyState(outcome.before, outcome.reason);
    }
    this.#send({ messageType: 'hello', state: 'init' });
    if (role === 'callee') this.#startTimer('ringing', this.#d.timings.ringingMs);
  }

  /** A second `hello` on a socket that already has a call: its current state, nothing else changes. */
  async #repeatHello(callId: string): Promise<void> {
    const call = await this.#d.store.get(callId);
    if (!this.#closed) this.#replyState(call ? deriveState(call.markers) : 'terminated', call?.reason);
  }

  /** §12.5 step 6. A socket that can expect no more progress (terminated, connected) is closed after it. */
  #replyState(state: CallState, reason: string | undefined): void {
    const s = helloState(state);
    this.#send({ messageType: 'hello', state: s, ...(reason !== undefined && { reason }) });
    if (s === 'terminated' || s === 'connected') this.#close();
  }

  /** §12.6. Answers only with errors: the effect comes back as a broadcast. */
  async #action(m: ActionMessage): Promise<void> {
    if (!this.#joined) return this.#error(errorReasons.noCallId);
    // The store broadcasts an accept in the same step as it stores it, and the broadcast may reach this
    // socket before the store's answer: a `connecting` heard meanwhile waits for that answer, which says
    // whether this socket won (it is told `connecting`) or another device did (it is sent away).
    const accepting = m.event === 'accept';
    if (accepting) this.#heldConnecting = null;
    this.#acceptPending = accepting;
    let outcome: ActionOutcome;
    try {
      outcome = await applyAction(this.#d.store, this.#joined.callId, this.#joined.role, m);
    } finally {
      if (accepting) this.#acceptPending = false;
    }
    if (!('error' in outcome) && outcome.accepted) this.#accepted = true;
    const held = this.#heldConnecting;
    this.#heldConnecting = null;
    if (held) this.#onBroadcast(held);
    if ('error' in outcome) return this.#error(outcome.error);
    if (outcome.accepted && !this.#closed) this.#startTimer('connection', this.#d.timings.connectionMs);
  }

  #onBroadcast(change: StateChange): void {
    if (this.#closed || !this.#joined) return;
    if (this.#heldForHello) {
      this.#heldForHello.push(change);
      return;
    }
    if (this.#acceptPending && change.state === 'connecting') {
      this.#heldConnecting = change;
      return;
    }
    const delivery = deliveryFor({ role: this.#joined.role, accepted: this.#accepted, lastProgress: this.#lastProgress }, change);
    if (delivery.send) {
      this.#lastProgress = delivery.send.state;
      this.#send(delivery.send);
    }
    if (delivery.close) this.#close();
  }

  /**
   * §12.8: a timer of this socket, kept as a deadline of its device in the
   * store. This node fires it at its time; the store ends the call with
   * `timeout` only from the states `kind` ends (never a terminated or gone
   * call) and publishes that. Closing the socket cancels the timer, and
   * `leave` removes the deadline.
   */
  #startTimer(kind: DeadlineKind, ms: number): void {
    const { device } = this.#joined!;
    const store = this.#d.store;
    const armed = (async () => store.setDeadline(device, kind, ms))().catch((err: unknown) => {
      this.#fail(err);
      return false;
    });
    this.#timers.start(ms, () => {
      armed.then((ok) => (ok ? store.fireDeadline(device, kind) : undefined)).catch((err: unknown) => this.#fail(err));
    });
  }

  /**
   * The store no longer holds this socket's device (its lease lapsed and was
   * reaped, or the call ended and took its devices): it counts as closed, so
   * it goes. When the call ended, the socket is told how first: the broadcast
   * that says so may still be on its way (another node's store), and it must
   * not be the close that arrives first.
   */
  #lost(): void {
    const joined = this.#joined;
    if (!joined || this.#closed) return this.#close();
    void (async () => {
      const call = await this.#d.store.get(joined.callId);
      if (call && deriveState(call.markers) === 'terminated') this.#onBroadcast({ callId: joined.callId, state: 'terminated', reason: call.reason });
    })().catch(() => undefined).finally(() => this.#close()); // the store failing: closed all the same
  }

  #send(message: ServerMessage): void {
    if (!this.#closed) this.#socket.send(message);
  }

  #error(reason: string, code: number = closeCodes.normal): void {
    this.#send({ messageType: 'error', reason });
    this.#close(code);
  }

  #cancelHelloTimer(): void {
    if (this.#helloTimer === undefined) return;
    this.#d.timers.clearTimeout(this.#helloTimer);
    this.#helloTimer = undefined;
  }

  #close(code: number = closeCodes.normal, reason?: string): void {
    if (this.#closed) return;
    void this.closed();
    this.#socket.close(code, reason);
  }

  #fail(err: unknown): void {
    this.#d.onError?.(err);
    this.#error(errorReasons.serviceUnavailable);
  }
}
