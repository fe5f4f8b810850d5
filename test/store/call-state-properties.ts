import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  CLOSED_REASON, DEADLINE_ENDS_FROM, TIMEOUT_REASON, isPublished,
  type CallState, type CallStateStore, type DeadlineKind, type DeviceRef, type Firing, type Marker, type PlacedCall, type Role,
  type StateChange,
} from '../../src/store/call-state.ts';

/**
 * Property-based check of the CallStateStore contract against a small model:
 * random sequences of create (with call-list limits and the store's cap),
 * markers, terminate, devices joining, renewing and leaving, deadlines set
 * and fired by their own node (fireDeadline) or a poll (fireDue), user
 * deletions and clock advances past leases and the call duration. After each
 * step the store must agree with the model: what `get` and `listCalls` show,
 * what each operation returns, and what it broadcast. Checked in particular:
 * a deadline fires once whoever claims it, a lapsed lease counts as gone
 * (counts, renew, deadlines) until it is reaped as a close, and what the store
 * hands out (records, broadcasts) cannot be changed by the caller, nor can the
 * record it was given. Run by each backend's test file with its factory, like
 * the contract suite.
 */

/** Every due time is `now + k * STEP + the op's index`: two never coincide, so the order of firings is defined. */
const STEP = 1000;
const DURATION = 20 * STEP;
const MAX_CALLS = 4;
const USERS = ['u1', 'u2', 'u3'];
const ROLES: readonly Role[] = ['caller', 'callee'];
const KINDS: readonly DeadlineKind[] = ['supervisory', 'ringing', 'connection'];
const MARKERS: readonly Marker[] = ['init.caller', 'init.callee', 'connecting', 'connected.caller', 'connected.callee'];
/** The states by marker count, as §12.4 defines them. */
const BY_COUNT: readonly CallState[] = ['terminated', 'init', 'half-initiated', 'alerting', 'connecting', 'half-connected', 'connected'];
const STATES: readonly CallState[] = BY_COUNT;
const LIVE: readonly CallState[] = BY_COUNT.slice(1);

export interface CallStatePropertiesBackend {
  readonly name: string;
  /**
   * A fresh store whose calls live `callDurationMs` and which holds at most
   * `maxCalls` live calls; `advance` moves its clock; `settle`, when given,
   * resolves once every broadcast published so far reached this node's
   * listeners (see the contract suite).
   */
  readonly make: (o: { callDurationMs: number; maxCalls: number }) => {
    store: CallStateStore;
    advance: (ms: number) => Promise<void>;
    settle?: () => Promise<void>;
  };
}

type Op =
  | { op: 'create'; users: string[]; maxPerUser: number | undefined }
  | { op: 'marker'; call: number; marker: Marker; allowedFrom: CallState[]; publish: boolean }
  | { op: 'terminate'; call: number; reason: string | undefined; onlyFrom: CallState[] | undefined }
  | { op: 'join'; call: number; role: Role; steps: number }
  | { op: 'renew'; devices: number[]; steps: number }
  | { op: 'leave'; device: number }
  | { op: 'setDeadline'; device: number; kind: DeadlineKind; steps: number }
  | { op: 'fireDeadline'; device: number; kind: DeadlineKind }
  | { op: 'fireDue' }
  | { op: 'deleteUser'; user: string }
  | { op: 'advance'; steps: number };

/** Calls and devices are picked by index into the ones made so far (modulo), or one that never existed. */
const NEVER = 8;
const pick = fc.nat({ max: NEVER });
const subset = <T>(all: readonly T[]) => fc.subarray([...all]);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ op: fc.constant('create' as const), users: fc.array(fc.constantFrom(...USERS), { minLength: 1, maxLength: 3 }), maxPerUser: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('marker' as const), call: pick, marker: fc.constantFrom(...MARKERS), allowedFrom: subset(STATES), publish: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('terminate' as const), call: pick, reason: fc.option(fc.constantFrom('busy', 'cancel'), { nil: undefined }), onlyFrom: fc.option(subset(STATES), { nil: undefined }) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('join' as const), call: pick, role: fc.constantFrom(...ROLES), steps: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('renew' as const), devices: fc.array(pick, { minLength: 1, maxLength: 2 }), steps: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('leave' as const), device: pick }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('setDeadline' as const), device: pick, kind: fc.constantFrom(...KINDS), steps: fc.integer({ min: 0, max: 6 }) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('fireDeadline' as const), device: pick, kind: fc.constantFrom(...KINDS) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('fireDue' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteUser' as const), user: fc.constantFrom(...USERS) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('advance' as const), steps: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 4 }) }, { weight: 1, arbitrary: fc.constant(DURATION / STEP) }) }) },
);

interface ModelDevice {
  readonly role: Role;
  leaseUntil: number;
  readonly deadlines: Map<DeadlineKind, number>;
}

interface ModelCall {
  readonly record: PlacedCall;
  readonly users: string[];
  readonly expiresAt: number;
  markers: Marker[];
  reason: string | undefined;
  readonly devices: Map<string, ModelDevice>;
}

const stateOf = (c: ModelCall): CallState => BY_COUNT[c.markers.length];

/** The reference: what the store must do, written as plainly as possible. */
class Model {
  readonly calls = new Map<string, ModelCall>();
  /** Broadcasts the store itself must have made, per call, in order. */
  readonly heard = new Map<string, StateChange[]>();
  now = 0;

  live(callId: string): ModelCall | undefined {
    const call = this.calls.get(callId);
    if (call && call.expiresAt <= this.now) this.calls.delete(callId);
    return this.calls.get(callId);
  }

  liveCalls(): ModelCall[] {
    return [...this.calls.keys()].map((id) => this.live(id)).filter((c): c is ModelCall => c !== undefined);
  }

  userCalls(user: string): ModelCall[] {
    return this.liveCalls().filter((c) => c.users.includes(user));
  }

  /** A device counts while its lease runs. */
  count(call: ModelCall, role: Role): number {
    return [...call.devices.values()].filter((d) => d.role === role && d.leaseUntil > this.now).length;
  }

  terminate(call: ModelCall, reason: string | undefined, onlyFrom: readonly CallState[] | undefined, publish: boolean): boolean {
    if (onlyFrom && !onlyFrom.includes(stateOf(call))) return false;
    call.markers = [];
    if (reason !== undefined) call.reason = reason;
    if (publish) this.heard.get(call.record.callId)!.push({ callId: call.record.callId, state: 'terminated', ...(reason !== undefined && { reason }) });
    return true;
  }

  /** A device goes (it left, or its lapsed lease was reaped): §12.9 when it was its role's last live one. */
  remove(call: ModelCall, deviceId: string): { left: number; terminated: boolean } {
    const device = call.devices.get(deviceId)!;
    call.devices.delete(deviceId);
    const left = this.count(call, device.role);
    return { left, terminated: left === 0 && this.terminate(call, CLOSED_REASON, LIVE, true) };
  }

  fire(call: ModelCall, kind: DeadlineKind): boolean {
    return this.terminate(call, TIMEOUT_REASON, DEADLINE_ENDS_FROM[kind], true);
  }
}

let seq = 0;
function placed(callId: string): PlacedCall {
  return {
    callId, wsCallerToken: `caller-${callId}`, wsCalleeToken: `callee-${callId}`, callType: 'audio-video', timestamp: ++seq,
    apiKey: 'key', sessionId: `session-${callId}`, calleeToken: 'provider',
  };
}

/** Tries to change what the store handed out; it must not be able to (frozen), or the change must not reach it (a copy). */
function tamper(value: unknown): void {
  if (value === null || typeof value !== 'object') return;
  for (const [k, v] of Object.entries(value)) {
    tamper(v);
    try {
      (value as Record<string, unknown>)[k] = typeof v === 'number' ? v + 100 : Array.isArray(v) ? [] : 'tampered';
    } catch {
      // frozen: fine
    }
  }
  if (Array.isArray(value)) {
    try {
      value.push('tampered');
    } catch {
      // frozen: fine
    }
  }
}

async function runOps(
  store: CallStateStore, advance: (ms: number) => Promise<void>, settle: (() => Promise<void>) | undefined, ops: readonly Op[],
): Promise<void> {
  const model = new Model();
  const callIds: string[] = [];
  const devices: DeviceRef[] = [];
  const heard = new Map<string, StateChange[]>();
  const callAt = (i: number) => (i < callIds.length ? callIds[i] : i === NEVER ? 'never' : callIds[i % Math.max(1, callIds.length)] ?? 'never');
  // The most recent devices are picked most: they are the ones with live leases and armed deadlines.
  const deviceAt = (i: number): DeviceRef => (i === NEVER || devices.length === 0 ? { callId: callAt(0), deviceId: 'never' } : devices[devices.length - 1 - (i % devices.length)]);

  for (const [i, o] of ops.entries()) {
    const at = `op ${i} ${JSON.stringify(o)} at ${model.now} ms`;
    const due = (steps: number) => steps * STEP + i + 1; // distinct per op: see STEP
    switch (o.op) {
      case 'create': {
        const callId = `c${callIds.length}`;
        callIds.push(callId);
        const record = placed(callId);
        const max = o.maxPerUser ?? Infinity;
        const live = model.liveCalls();
        const users = live.length >= MAX_CALLS ? [] : [...new Set(o.users)].filter((u) => model.userCalls(u).length < max);
        if (users.length > 0) {
          model.calls.set(callId, { record: { ...record }, users, expiresAt: model.now + DURATION, markers: ['init'], reason: undefined, devices: new Map() });
        }
        model.heard.set(callId, []);
        heard.set(callId, []);
        await store.subscribe(callId, (change) => {
          heard.get(callId)!.push({ ...change });
          tamper(change);
        });
        assert.deepEqual(await store.create(record, o.users, o.maxPerUser), users, at);
        tamper(record); // the caller's object is its own again
        break;
      }
      case 'marker': {
        const callId = callAt(o.call);
        const call = model.live(callId);
        let expected;
        if (call) {
          const before = stateOf(call);
          const allowed = o.allowedFrom.includes(before);
          const added = allowed && !call.markers.includes(o.marker);
          if (added) call.markers.push(o.marker);
          const after = stateOf(call);
          expected = { before, after, added, ...(call.reason !== undefined && { reason: call.reason }) };
          if (o.publish && allowed && isPublished(after)) model.heard.get(callId)!.push({ callId, state: after });
        }
        const got = await store.addMarker(callId, o.marker, o.allowedFrom, o.publish);
        assert.deepEqual(got, expected, at);
        tamper(got);
        break;
      }
      case 'terminate': {
        const callId = callAt(o.call);
        const call = model.live(callId);
        const expected = call !== undefined && model.terminate(call, o.reason, o.onlyFrom, false);
        assert.equal(await store.terminate(callId, o.reason, o.onlyFrom), expected, at);
        break;
      }
      case 'join': {
        const ref = { callId: callAt(o.call), deviceId: `d${devices.length}` };
        devices.push(ref);
        const call = model.live(ref.callId);
        if (call) call.devices.set(ref.deviceId, { role: o.role, leaseUntil: model.now + due(o.steps), deadlines: new Map() });
        assert.equal(await store.join(ref, o.role, due(o.steps)), call && model.count(call, o.role), at);
        break;
      }
      case 'renew': {
        const refs = [...new Map(o.devices.map((d) => deviceAt(d)).map((r) => [r.deviceId, r])).values()];
        const lost: DeviceRef[] = [];
        for (const ref of refs) {
          const device = model.live(ref.callId)?.devices.get(ref.deviceId);
          if (device && device.leaseUntil > model.now) device.leaseUntil = model.now + due(o.steps);
          else lost.push(ref);
        }
        const got = await store.renew(refs, due(o.steps));
        assert.deepEqual(got, lost, at);
        tamper(got);
        break;
      }
      case 'leave': {
        const ref = deviceAt(o.device);
        const call = model.live(ref.callId);
        const expected = call?.devices.has(ref.deviceId) ? model.remove(call, ref.deviceId) : undefined;
        assert.deepEqual(await store.leave(ref), expected, at);
        break;
      }
      case 'setDeadline': {
        const ref = deviceAt(o.device);
        const device = model.live(ref.callId)?.devices.get(ref.deviceId);
        // A lapsed lease counts as gone: its socket is closed, it gets no timer.
        const armed = device !== undefined && device.leaseUntil > model.now;
        if (armed) device.deadlines.set(o.kind, model.now + due(o.steps));
        assert.equal(await store.setDeadline(ref, o.kind, due(o.steps)), armed, at);
        break;
      }
      case 'fireDeadline': {
        const ref = deviceAt(o.device);
        const call = model.live(ref.callId);
        const device = call?.devices.get(ref.deviceId);
        // Mostly a kind that is armed: the one of the op's index among them, when there is one.
        const armed = [...(device?.deadlines.keys() ?? [])];
        const kind = armed.length > 0 && KINDS.indexOf(o.kind) < 2 ? armed[KINDS.indexOf(o.kind) % armed.length] : o.kind;
        const dueAt = device?.deadlines.get(kind);
        let expected: Firing | undefined;
        // Fired by its own node: as a poll would at this moment, where a lease that lapsed before the deadline was due takes it along.
        if (call && device && dueAt !== undefined && (device.leaseUntil > model.now || dueAt < device.leaseUntil)) {
          device.deadlines.delete(kind);
          expected = { callId: ref.callId, deviceId: ref.deviceId, kind, terminated: model.fire(call, kind) };
        }
        const got = await store.fireDeadline(ref, kind);
        assert.deepEqual(got, expected, at);
        tamper(got);
        break;
      }
      case 'fireDue': {
        const expected: Firing[] = [];
        for (const call of model.liveCalls()) {
          const items: { at: number; deviceId: string; kind: DeadlineKind | 'lease' }[] = [];
          for (const [deviceId, d] of call.devices) {
            if (d.leaseUntil <= model.now) items.push({ at: d.leaseUntil, deviceId, kind: 'lease' });
            for (const [kind, t] of d.deadlines) if (t <= model.now) items.push({ at: t, deviceId, kind });
          }
          items.sort((a, b) => a.at - b.at);
          for (const item of items) {
            const device = call.devices.get(item.deviceId);
            if (!device) continue; // reaped just before, its deadlines with it
            const ref = { callId: call.record.callId, deviceId: item.deviceId };
            if (item.kind === 'lease') expected.push({ ...ref, kind: 'lease', terminated: model.remove(call, item.deviceId).terminated });
            else if (device.deadlines.delete(item.kind)) expected.push({ ...ref, kind: item.kind, terminated: model.fire(call, item.kind) });
          }
        }
        const got = await store.fireDue();
        // Calls in any order; within a call, in time order.
        const byCall = (f: Firing[]) => [...f].sort((a, b) => (a.callId < b.callId ? -1 : a.callId > b.callId ? 1 : 0));
        assert.deepEqual(byCall(got), byCall(expected), at);
        tamper(got);
        break;
      }
      case 'deleteUser': {
        for (const call of model.userCalls(o.user)) model.calls.delete(call.record.callId);
        await store.deleteUserCalls(o.user);
        break;
      }
      case 'advance':
        model.now += o.steps * STEP;
        await advance(o.steps * STEP);
        break;
    }
    await settle?.();
    await agree(store, model, callIds, heard, at);
  }
}

/** The store shows what the model holds: every call's record, each user's lists, the broadcasts so far. */
async function agree(store: CallStateStore, model: Model, callIds: readonly string[], heard: Map<string, StateChange[]>, at: string): Promise<void> {
  for (const callId of callIds) {
    const call = model.live(callId);
    const expected = call && {
      callId, wsCallerToken: call.record.wsCallerToken, wsCalleeToken: call.record.wsCalleeToken,
      markers: call.markers,
      ...(call.reason !== undefined && { reason: call.reason }),
      devices: { caller: model.count(call, 'caller'), callee: model.count(call, 'callee') },
    };
    const got = await store.get(callId);
    assert.deepEqual(got, expected, `${at}: get(${callId})`);
    tamper(got);
    assert.deepEqual(heard.get(callId), model.heard.get(callId), `${at}: broadcasts of ${callId} (each deadline fires once, each close once)`);
  }
  for (const user of USERS) {
    const calls = model.userCalls(user);
    assert.equal(await store.countCalls(user), calls.length, `${at}: countCalls(${user})`);
    const listed = await store.listCalls(user);
    const byId = (a: PlacedCall, b: PlacedCall) => (a.callId < b.callId ? -1 : 1);
    assert.deepEqual([...listed].sort(byId), calls.filter((c) => stateOf(c) !== 'terminated').map((c) => c.record).sort(byId), `${at}: listCalls(${user})`);
    tamper(listed);
  }
}

/** Runs the properties on one backend; `numRuns` keeps the file within a few seconds (FUZZ_SEED replays a run). */
export function callStateStoreProperties({ name, make }: CallStatePropertiesBackend, numRuns = 200): void {
  test(`${name}: random sequences of calls, markers, devices, leases and deadlines agree with the model`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 60, size: 'max' }), async (ops) => {
        const { store, advance, settle } = make({ callDurationMs: DURATION, maxCalls: MAX_CALLS });
        try {
          await runOps(store, advance, settle, ops);
        } finally {
          await store.close();
        }
      }),
      { numRuns, ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) | 0 } : {}) },
    );
  });
}
