import { asStoreError } from '../errors.ts';
import type {
  CallRecord, CallState, CallStateStore, DeadlineKind, DeviceRef, Firing, LeaveOutcome, Marker, MarkerOutcome, PlacedCall,
  PublishedState, Role, StateChange, StateListener,
} from '../call-state.ts';
import { startSweeping } from '../memory/sweeping.ts';
import { digitsOf, stateOf } from './call-state-lua.ts';
import * as lua from './call-state-scripts.ts';
import { Channels } from './channels.ts';
import type { RedisConnection } from './connection.ts';
import type { RedisBackendOptions } from './backend-options.ts';
import { inBatches, type Script } from './script.ts';

export interface RedisCallStateStoreOptions extends RedisBackendOptions {
  /** How long a call lives after `create`, never extended (§7.5 `callDuration`). */
  readonly callDurationMs: number;
  /** Live calls the deployment holds at most (`limits.calls`); `create` stores nothing beyond it. Default: no cap. */
  readonly maxCalls?: number;
}

/** How many due items one `fireDue` claims when the caller gives no `max` (as the memory store). */
const DEFAULT_FIRE_MAX = 1000;
/**
 * Devices one renew script takes at most: a node renewing all its sockets
 * sends several scripts in one pipeline (one round trip still), so Redis
 * never stalls its other clients on one long script.
 */
const RENEW_BATCH = 1000;

type Arg = string | number;

/** The local listeners of one call, behind one channel listener. */
interface Subscription {
  readonly listeners: Set<StateListener>;
  readonly stop: () => void;
}

/**
 * The calls in Redis, shared by every node of a deployment: each operation
 * is one script (call-state-lua.ts), so one round trip, and two nodes racing
 * on one call are serialised by Redis, so a deadline fires once and a call
 * ends once. Broadcasts travel on one channel per call, subscribed by the
 * nodes that hold a socket of it.
 */
export class RedisCallStateStore implements CallStateStore {
  readonly #o: RedisCallStateStoreOptions;
  readonly #redis: RedisConnection;
  readonly #channels: Channels;
  readonly #subscriptions = new Map<string, Subscription>();
  readonly #stopSweeping: () => void;
  readonly #onError: (err: unknown) => void;

  constructor(o: RedisCallStateStoreOptions) {
    this.#o = o;
    this.#redis = o.redis;
    this.#onError = o.onBackgroundError ?? (() => {});
    this.#channels = new Channels(o.redis.sub, (channels) => void this.#catchUp(channels), this.#onError);
    this.#stopSweeping = startSweeping(o.sweep, () => this.sweep().catch(this.#onError));
  }

  #run(script: Script, operation: string, ...rest: Arg[]): Promise<unknown> {
    const args = [this.#redis.prefix, this.#o.clock ? this.#o.clock.now() : '', ...rest];
    return script.run(this.#redis.cmd, args).catch((err: unknown) => {
      throw asStoreError(err, `redis call-state ${operation}`);
    });
  }

  async create(call: PlacedCall, calleeUserKeys: readonly string[], maxPerUser = Infinity): Promise<string[]> {
    const perUser = Number.isFinite(maxPerUser) ? maxPerUser : '';
    const cap = this.#o.maxCalls !== undefined && Number.isFinite(this.#o.maxCalls) ? this.#o.maxCalls : '';
    const args = [call.callId, JSON.stringify(call), this.#o.callDurationMs, perUser, cap, ...calleeUserKeys];
    return (await this.#run(lua.CREATE, 'create', ...args)) as string[];
  }

  async countCalls(userKey: string): Promise<number> {
    return (await this.#run(lua.COUNT_CALLS, 'countCalls', userKey)) as number;
  }

  async listCalls(userKey: string): Promise<PlacedCall[]> {
    const records = (await this.#run(lua.LIST_CALLS, 'listCalls', userKey)) as string[];
    return records.map((r) => JSON.parse(r) as PlacedCall);
  }

  async deleteUserCalls(userKey: string): Promise<void> {
    await this.#run(lua.DELETE_USER_CALLS, 'deleteUserCalls', userKey);
  }

  async get(callId: string): Promise<CallRecord | undefined> {
    const reply = (await this.#run(lua.GET, 'get', callId)) as [string, string, string | null, number, number] | null;
    if (reply === null) return undefined;
    const [placed, markers, reason, caller, callee] = reply;
    const { wsCallerToken, wsCalleeToken } = JSON.parse(placed) as PlacedCall;
    return {
      callId, wsCallerToken, wsCalleeToken,
      markers: markers === '' ? [] : (markers.split(',') as Marker[]),
      ...(reason !== null && { reason }),
      devices: { caller, callee },
    };
  }

  async addMarker(callId: string, marker: Marker, allowedFrom: readonly CallState[], publish = false): Promise<MarkerOutcome | undefined> {
    const args = [callId, marker, digitsOf(allowedFrom), publish ? 1 : 0];
    const reply = (await this.#run(lua.ADD_MARKER, 'addMarker', ...args)) as [number, number, number, string | null] | null;
    if (reply === null) return undefined;
    const [before, after, added, reason] = reply;
    return { before: stateOf(before), after: stateOf(after), added: added === 1, ...(reason !== null && { reason }) };
  }

  async terminate(callId: string, reason?: string, onlyFrom?: readonly CallState[], publish = false): Promise<boolean> {
    const from = onlyFrom ? digitsOf(onlyFrom) : '*';
    return (await this.#run(lua.TERMINATE, 'terminate', callId, reason === undefined ? 0 : 1, reason ?? '', from, publish ? 1 : 0)) === 1;
  }

  async join(device: DeviceRef, role: Role, leaseMs: number): Promise<number | undefined> {
    const live = (await this.#run(lua.JOIN, 'join', device.callId, device.deviceId, role, leaseMs)) as number | null;
    return live ?? undefined;
  }

  async renew(devices: readonly DeviceRef[], leaseMs: number): Promise<DeviceRef[]> {
    const batches: (readonly DeviceRef[])[] = [];
    for (let i = 0; i < devices.length; i += RENEW_BATCH) batches.push(devices.slice(i, i + RENEW_BATCH));
    const lost = await Promise.all(batches.map(async (batch) => {
      const pairs = batch.flatMap((d) => [d.callId, d.deviceId]);
      const positions = (await this.#run(lua.RENEW, 'renew', leaseMs, ...pairs)) as number[];
      return positions.map((i) => ({ callId: batch[i].callId, deviceId: batch[i].deviceId }));
    }));
    return lost.flat();
  }

  async leave(device: DeviceRef): Promise<LeaveOutcome | undefined> {
    const reply = (await this.#run(lua.LEAVE, 'leave', device.callId, device.deviceId)) as [number, number] | null;
    return reply === null ? undefined : { left: reply[0], terminated: reply[1] === 1 };
  }

  async setDeadline(device: DeviceRef, kind: DeadlineKind, inMs: number): Promise<boolean> {
    return (await this.#run(lua.SET_DEADLINE, 'setDeadline', device.callId, device.deviceId, kind, inMs)) === 1;
  }

  async fireDeadline(device: DeviceRef, kind: DeadlineKind): Promise<Firing | undefined> {
    const { callId, deviceId } = device;
    const terminated = (await this.#run(lua.FIRE_DEADLINE, 'fireDeadline', callId, deviceId, kind)) as number | null;
    return terminated === null ? undefined : { callId, deviceId, kind, terminated: terminated === 1 };
  }

  async fireDue(max = DEFAULT_FIRE_MAX): Promise<Firing[]> {
    const flat = (await this.#run(lua.FIRE_DUE, 'fireDue', max)) as (string | number)[];
    const fired: Firing[] = [];
    for (let i = 0; i < flat.length; i += 4) {
      const [callId, deviceId, kind, terminated] = flat.slice(i, i + 4) as [string, string, Firing['kind'], number];
      fired.push({ callId, deviceId, kind, terminated: terminated === 1 });
    }
    return fired;
  }

  async publish(change: StateChange): Promise<void> {
    try {
      await this.#redis.cmd.publish(this.#channelOf(change.callId), encodeChange(change));
    } catch (err) {
      throw asStoreError(err, 'redis call-state publish');
    }
  }

  async subscribe(callId: string, listener: StateListener): Promise<() => void> {
    const channel = this.#channelOf(callId);
    let subscription = this.#subscriptions.get(callId);
    if (!subscription) {
      const listeners = new Set<StateListener>();
      const stop = this.#channels.listen(channel, (payload) => this.#deliver(callId, payload), this.#onError);
      this.#subscriptions.set(callId, (subscription = { listeners, stop }));
    }
    const own = subscription;
    const entry: StateListener = (change) => listener(change); // distinct per call, so one function may subscribe twice
    own.listeners.add(entry);
    const confirmed = this.#channels.subscribed(channel);
    if (confirmed) await confirmed;
    return () => {
      if (!own.listeners.delete(entry) || own.listeners.size > 0 || this.#subscriptions.get(callId) !== own) return;
      this.#subscriptions.delete(callId);
      own.stop();
    };
  }

  /** Drops expired calls (their keys and index entries); returns how many went. */
  async sweep(): Promise<number> {
    let dropped = 0;
    await inBatches(async (size) => {
      const gone = (await this.#run(lua.SWEEP, 'sweep', size)) as number;
      dropped += gone;
      return gone === size;
    });
    return dropped;
  }

  /** Stops the sweeps and the broadcasts; the connection is its owner's to close. */
  async close(): Promise<void> {
    this.#stopSweeping();
    this.#subscriptions.clear();
    this.#channels.close();
  }

  #channelOf(callId: string): string {
    return `${this.#redis.prefix}${EVENTS}${callId}`;
  }

  #deliver(callId: string, payload: string): void {
    const subscription = this.#subscriptions.get(callId);
    const change = decodeChange(callId, payload);
    if (!subscription || !change) return;
    // A snapshot: listeners unsubscribe (their socket closes) while we deliver.
    for (const listener of [...subscription.listeners]) listener(change);
  }

  /**
   * After a reconnect: what was published meanwhile is lost, so each call
   * listened to hears its current state again when it is one a broadcast
   * carries (a socket ignores a state it was last sent).
   */
  async #catchUp(channels: readonly string[]): Promise<void> {
    const start = this.#redis.prefix.length + EVENTS.length;
    const callIds = channels.map((c) => c.slice(start));
    try {
      const states = (await this.#run(lua.STATES, 'states', ...callIds)) as [number, (string | null)?][];
      callIds.forEach((callId, i) => {
        const [count, reason] = states[i];
        const state = count < 0 ? undefined : stateOf(count);
        if (state === undefined || !PUBLISHED.has(state)) return;
        const change = { callId, state: state as PublishedState, ...(state === 'terminated' && reason != null && { reason }) };
        this.#channels.deliver(this.#channelOf(callId), encodeChange(change));
      });
    } catch (err) {
      this.#onError(err);
    }
  }
}

const EVENTS = 'csev:';
const PUBLISHED: ReadonlySet<CallState> = new Set<CallState>(['alerting', 'connecting', 'half-connected', 'connected', 'terminated']);

/** A broadcast on the wire: "STATE" or "STATE REASON" (a state has no space; a reason may). */
export const encodeChange = (change: StateChange): string =>
  change.reason === undefined ? change.state : `${change.state} ${change.reason}`;

export function decodeChange(callId: string, payload: string): StateChange | undefined {
  const space = payload.indexOf(' ');
  const state = (space < 0 ? payload : payload.slice(0, space)) as PublishedState;
  if (!PUBLISHED.has(state)) return undefined;
  return Object.freeze({ callId, state, ...(space >= 0 && { reason: payload.slice(space + 1) }) });
}
