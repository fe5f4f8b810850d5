import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CallStateStore, Marker, PlacedCall, StateChange } from '../../src/store/call-state.ts';

/**
 * The behaviour every CallStateStore backend must show. `make` builds a
 * store whose calls live `durationMs`; `advance` moves its clock; `settle`,
 * when given, resolves once every broadcast published so far reached this
 * node's listeners (a networked backend delivers them asynchronously; the
 * memory one at once, so it needs none).
 */
export function callStateStoreContract(
  name: string,
  make: () => { store: CallStateStore; advance: (ms: number) => Promise<void>; durationMs: number; settle?: () => Promise<void> },
): void {
  const placed = (callId: string, timestamp = 1): PlacedCall => ({
    callId, wsCallerToken: `caller-${callId}`, wsCalleeToken: `callee-${callId}`,
    callType: 'audio-video', timestamp, apiKey: 'key', sessionId: 'session', calleeToken: 'provider',
  });
  const call = placed('c1');
  const tokens = { callId: 'c1', wsCallerToken: call.wsCallerToken, wsCalleeToken: call.wsCalleeToken };
  const caller1 = { callId: 'c1', deviceId: 'caller-1' };
  const caller2 = { callId: 'c1', deviceId: 'caller-2' };
  const callee1 = { callId: 'c1', deviceId: 'callee-1' };
  const HOUR = 3_600_000;
  /** A store with call c1 created and its broadcasts recorded. */
  const withCall = async () => {
    const made = make();
    await made.store.create(call, ['u']);
    const heard: StateChange[] = [];
    await made.store.subscribe('c1', (c) => heard.push(c));
    /** What the listener heard, once every broadcast so far arrived. */
    const settled = async () => {
      await made.settle?.();
      return heard;
    };
    return { ...made, settled };
  };

  test(`${name}: create stores the call in the callees' lists and its progress state in one step`, async () => {
    const { store } = make();
    assert.equal(await store.get('c1'), undefined);
    assert.deepEqual(await store.create(call, ['u1', 'u2', 'u1']), ['u1', 'u2']);
    assert.deepEqual(await store.get('c1'), { ...tokens, markers: ['init'], devices: { caller: 0, callee: 0 } });
    assert.deepEqual(await store.listCalls('u1'), [call]);
    assert.deepEqual(await store.listCalls('u2'), [call]);
    assert.equal(await store.countCalls('u2'), 1);
    assert.deepEqual(await store.listCalls('nobody'), []);
  });

  test(`${name}: create skips full call lists and stores nothing when every list is full`, async () => {
    const { store } = make();
    assert.deepEqual(await store.create(placed('a'), ['u1'], 1), ['u1']);
    assert.deepEqual(await store.create(placed('b'), ['u1', 'u2'], 1), ['u2']);
    assert.deepEqual(await store.create(placed('c'), ['u1', 'u2'], 1), []);
    assert.equal(await store.get('c'), undefined, 'no progress state without a call record');
    assert.deepEqual((await store.listCalls('u1')).map((c) => c.callId), ['a']);
  });

  test(`${name}: listCalls leaves out terminated calls; countCalls still counts them (they live on)`, async () => {
    const { store } = make();
    await store.create(placed('a'), ['u']);
    await store.create(placed('b'), ['u']);
    await store.terminate('a', 'busy');
    assert.deepEqual((await store.listCalls('u')).map((c) => c.callId), ['b']);
    assert.equal(await store.countCalls('u'), 2);
  });

  test(`${name}: a call is gone callDuration after creation, whatever happened to it`, async () => {
    const { store, advance, durationMs } = make();
    await store.create(call, ['u']);
    await store.join(caller1, 'caller', HOUR);
    await store.setDeadline(caller1, 'supervisory', 2 * durationMs);
    await advance(durationMs - 1);
    assert.ok(await store.get('c1'));
    await advance(1);
    assert.equal(await store.get('c1'), undefined);
    assert.deepEqual(await store.listCalls('u'), []);
    assert.equal(await store.countCalls('u'), 0);
    assert.equal(await store.addMarker('c1', 'init.caller', ['init']), undefined);
    assert.equal(await store.terminate('c1', 'x'), false);
    assert.equal(await store.join(caller2, 'caller', HOUR), undefined);
    assert.equal(await store.leave(caller1), undefined);
    assert.deepEqual(await store.renew([caller1], HOUR), [caller1]);
    assert.equal(await store.setDeadline(caller1, 'ringing', 1), false);
    assert.equal(await store.fireDeadline(caller1, 'supervisory'), undefined);
    await advance(2 * durationMs);
    assert.deepEqual(await store.fireDue(), []);
  });

  test(`${name}: deleteUserCalls forgets the user's calls at once, progress state and other lists included`, async () => {
    const { store } = make();
    await store.create(call, ['u1', 'u2']);
    await store.deleteUserCalls('u1');
    assert.equal(await store.get('c1'), undefined);
    assert.deepEqual(await store.listCalls('u2'), []);
    assert.equal(await store.join(caller1, 'caller', HOUR), undefined);
    await store.deleteUserCalls('never');
  });

  test(`${name}: addMarker adds only from the allowed states and reports before/after`, async () => {
    const { store } = make();
    await store.create(call, ['u']);
    assert.deepEqual(await store.addMarker('c1', 'init.caller', ['init', 'half-initiated']), {
      before: 'init', after: 'half-initiated', added: true,
    });
    // The same marker again: nothing changes.
    assert.deepEqual(await store.addMarker('c1', 'init.caller', ['init', 'half-initiated']), {
      before: 'half-initiated', after: 'half-initiated', added: false,
    });
    // Not allowed from this state: nothing changes.
    assert.deepEqual(await store.addMarker('c1', 'connecting', ['alerting']), {
      before: 'half-initiated', after: 'half-initiated', added: false,
    });
    assert.equal((await store.addMarker('c1', 'init.callee', ['init', 'half-initiated']))?.after, 'alerting');
    assert.equal((await store.addMarker('c1', 'connecting', ['alerting']))?.after, 'connecting');
    assert.equal((await store.addMarker('c1', 'connected.caller', ['connecting', 'half-connected']))?.after, 'half-connected');
    assert.equal((await store.addMarker('c1', 'connected.callee', ['connecting', 'half-connected']))?.after, 'connected');
    assert.deepEqual((await store.get('c1'))?.markers, [
      'init', 'init.caller', 'init.callee', 'connecting', 'connected.caller', 'connected.callee',
    ]);
  });

  test(`${name}: terminate clears the markers; a reason is stored, no reason keeps the earlier one`, async () => {
    const { store } = make();
    await store.create(call, ['u']);
    assert.equal(await store.terminate('c1'), true);
    assert.deepEqual(await store.get('c1'), { ...tokens, markers: [], devices: { caller: 0, callee: 0 } });
    assert.equal(await store.terminate('c1', 'busy'), true);
    assert.equal((await store.get('c1'))?.reason, 'busy');
    assert.equal(await store.terminate('c1'), true);
    assert.equal((await store.get('c1'))?.reason, 'busy');
    // Nothing can be added to a terminated call; the reason comes back with the outcome.
    assert.deepEqual(await store.addMarker('c1', 'init.caller', ['init', 'half-initiated']), {
      before: 'terminated', after: 'terminated', added: false, reason: 'busy',
    });
  });

  test(`${name}: terminate with onlyFrom acts only in those states`, async () => {
    const { store } = make();
    await store.create(call, ['u']);
    assert.equal(await store.terminate('c1', 'timeout', ['half-initiated']), false);
    assert.deepEqual((await store.get('c1'))?.markers, ['init']);
    assert.equal((await store.get('c1'))?.reason, undefined);
    await store.addMarker('c1', 'init.caller', ['init']);
    assert.equal(await store.terminate('c1', 'timeout', ['half-initiated']), true);
    assert.equal(await store.terminate('c1', 'closed', ['half-initiated']), false);
    assert.equal((await store.get('c1'))?.reason, 'timeout');
  });

  test(`${name}: addMarker and terminate with publish broadcast the change in the same step; without it, nothing`, async () => {
    const { store, settled } = await withCall();
    await store.addMarker('c1', 'init.caller', ['init', 'half-initiated']);
    await store.addMarker('c1', 'init.callee', ['init', 'half-initiated']);
    assert.deepEqual(await settled(), [], 'a store step announces nothing unless asked');
    assert.equal((await store.addMarker('c1', 'connected.caller', ['connecting', 'half-connected'], true))?.added, false);
    assert.deepEqual(await settled(), [], 'not from an allowed state: nothing to announce');
    assert.equal((await store.addMarker('c1', 'connecting', ['alerting'], true))?.after, 'connecting');
    assert.deepEqual(await settled(), [{ callId: 'c1', state: 'connecting' }]);
    await store.addMarker('c1', 'connected.caller', ['connecting', 'half-connected'], true);
    await store.addMarker('c1', 'connected.caller', ['connecting', 'half-connected'], true); // a repeat: the same state again
    assert.deepEqual((await settled()).slice(1).map((c) => c.state), ['half-connected', 'half-connected']);
    assert.equal(await store.terminate('c1', 'busy', undefined, true), true);
    assert.deepEqual((await settled()).at(-1), { callId: 'c1', state: 'terminated', reason: 'busy' });
    assert.equal(await store.terminate('c1', undefined, undefined, true), true, 'a terminated call is terminated again');
    assert.deepEqual((await settled()).at(-1), { callId: 'c1', state: 'terminated' });
    assert.equal((await settled()).length, 5);
  });

  test(`${name}: a hello's addMarker with publish announces alerting, never init or half-initiated`, async () => {
    const { store, settled } = await withCall();
    const hello = (role: string) => store.addMarker('c1', `init.${role}` as Marker, ['init', 'half-initiated'], true);
    assert.equal((await hello('caller'))?.after, 'half-initiated');
    assert.equal((await hello('caller'))?.added, false, 'a second device of the caller');
    assert.deepEqual(await settled(), [], 'half-initiated is not announced');
    assert.equal((await hello('callee'))?.after, 'alerting');
    assert.deepEqual(await settled(), [{ callId: 'c1', state: 'alerting' }]);
    assert.equal((await hello('callee'))?.added, false, 'alerting is not a state a hello adds to');
    assert.equal((await settled()).length, 1);
  });

  test(`${name}: devices per role; the last device of a role to leave a live call ends it with closed, published once`, async () => {
    const { store, settled } = await withCall();
    assert.equal(await store.join(callee1, 'callee', HOUR), 1);
    assert.equal(await store.join(caller1, 'caller', HOUR), 1);
    assert.equal(await store.join(caller2, 'caller', HOUR), 2);
    assert.deepEqual((await store.get('c1'))?.devices, { caller: 2, callee: 1 });
    assert.deepEqual(await store.leave(caller1), { left: 1, terminated: false });
    assert.equal(await store.leave(caller1), undefined, 'a device leaves once');
    assert.deepEqual(await settled(), []);
    assert.deepEqual(await store.leave(caller2), { left: 0, terminated: true });
    assert.deepEqual(await settled(), [{ callId: 'c1', state: 'terminated', reason: 'closed' }]);
    assert.equal((await store.get('c1'))?.reason, 'closed');
    // The other party's last device leaves a terminated call: nothing more.
    assert.deepEqual(await store.leave(callee1), { left: 0, terminated: false });
    assert.equal((await settled()).length, 1);
    assert.equal(await store.leave({ callId: 'c1', deviceId: 'never' }), undefined);
  });

  test(`${name}: a connected call is still ended with closed by its last device of a role (§12.9)`, async () => {
    const { store, settled } = await withCall();
    await store.join(caller1, 'caller', HOUR);
    for (const m of ['init.caller', 'init.callee', 'connecting', 'connected.caller', 'connected.callee'] as const) {
      await store.addMarker('c1', m, ['init', 'half-initiated', 'alerting', 'connecting', 'half-connected']);
    }
    assert.deepEqual(await store.leave(caller1), { left: 0, terminated: true });
    assert.deepEqual((await settled()).map((c) => c.reason), ['closed']);
  });

  test(`${name}: leases: a device counts until its lease lapses; renew extends a live lease only`, async () => {
    const { store, advance } = await withCall();
    await store.join(caller1, 'caller', 100);
    await store.join(caller2, 'caller', 100);
    await advance(60);
    assert.deepEqual(await store.renew([caller1], 100), []);
    await advance(40); // caller2 lapsed at 100; caller1 runs to 160
    assert.deepEqual((await store.get('c1'))?.devices, { caller: 1, callee: 0 });
    assert.deepEqual(await store.renew([caller1, caller2], 100), [caller2], 'a lapsed lease is not revived');
    assert.deepEqual((await store.get('c1'))?.devices, { caller: 1, callee: 0 });
    assert.equal(await store.join(callee1, 'callee', 100), 1);
  });

  test(`${name}: fireDue reaps lapsed devices once; the last one of a role ends the call with closed, published once`, async () => {
    const { store, advance, settled } = await withCall();
    await store.join(caller1, 'caller', 100);
    await store.join(caller2, 'caller', 200);
    await store.join(callee1, 'callee', HOUR);
    await advance(100);
    assert.deepEqual(await store.fireDue(), [{ callId: 'c1', deviceId: 'caller-1', kind: 'lease', terminated: false }]);
    assert.deepEqual(await store.fireDue(), [], 'reaped once');
    assert.deepEqual(await settled(), []);
    await advance(100);
    // Two nodes poll at the same moment: the lapsed device is reaped by one of them.
    const [a, b] = await Promise.all([store.fireDue(), store.fireDue()]);
    assert.deepEqual([...a, ...b], [{ callId: 'c1', deviceId: 'caller-2', kind: 'lease', terminated: true }]);
    assert.deepEqual(await settled(), [{ callId: 'c1', state: 'terminated', reason: 'closed' }]);
    assert.deepEqual(await store.renew([caller2], 100), [caller2]);
    assert.equal(await store.leave(caller2), undefined, 'a reaped device is gone');
    assert.deepEqual((await store.get('c1'))?.devices, { caller: 0, callee: 1 });
  });

  test(`${name}: a deadline fires once: its own node's fireDeadline or a poll, never both`, async () => {
    const { store, advance, settled } = await withCall();
    await store.join(caller1, 'caller', HOUR);
    await store.addMarker('c1', 'init.caller', ['init']);
    assert.equal(await store.setDeadline(caller1, 'supervisory', 50), true);
    await advance(49);
    assert.deepEqual(await store.fireDue(), [], 'not due yet');
    await advance(1);
    const fired = { callId: 'c1', deviceId: 'caller-1', kind: 'supervisory', terminated: true };
    const [own, pollA, pollB] = await Promise.all([store.fireDeadline(caller1, 'supervisory'), store.fireDue(), store.fireDue()]);
    const all = [...(own ? [own] : []), ...pollA, ...pollB];
    assert.deepEqual(all, [fired]);
    assert.deepEqual(await settled(), [{ callId: 'c1', state: 'terminated', reason: 'timeout' }]);
    assert.equal(await store.fireDeadline(caller1, 'supervisory'), undefined);
    assert.equal((await store.get('c1'))?.reason, 'timeout');
  });

  test(`${name}: a deadline polled by two nodes at once fires once`, async () => {
    const { store, advance, settled } = await withCall();
    await store.join(callee1, 'callee', HOUR);
    await store.addMarker('c1', 'init.caller', ['init']);
    await store.addMarker('c1', 'init.callee', ['half-initiated']);
    await store.setDeadline(callee1, 'ringing', 30);
    await advance(30);
    const [a, b] = await Promise.all([store.fireDue(), store.fireDue()]);
    assert.deepEqual([...a, ...b], [{ callId: 'c1', deviceId: 'callee-1', kind: 'ringing', terminated: true }]);
    assert.deepEqual(await settled(), [{ callId: 'c1', state: 'terminated', reason: 'timeout' }]);
  });

  test(`${name}: a deadline ends the call only from the states its kind ends, else it just goes`, async () => {
    const { store, advance, settled } = await withCall();
    await store.join(callee1, 'callee', HOUR);
    await store.setDeadline(callee1, 'ringing', 10); // ringing ends `alerting` only; the call is `init`
    await store.setDeadline(callee1, 'connection', 10);
    await advance(10);
    assert.deepEqual(await store.fireDeadline(callee1, 'ringing'), { callId: 'c1', deviceId: 'callee-1', kind: 'ringing', terminated: false });
    assert.deepEqual(await settled(), []);
    await store.terminate('c1', 'cancel');
    assert.deepEqual(await store.fireDue(), [{ callId: 'c1', deviceId: 'callee-1', kind: 'connection', terminated: false }]);
    assert.deepEqual(await settled(), [], 'a terminated call keeps its reason');
    assert.equal((await store.get('c1'))?.reason, 'cancel');
  });

  test(`${name}: setDeadline re-arms; leave removes the device's deadlines; an unknown device has none`, async () => {
    const { store, advance, settled } = await withCall();
    await store.join(caller1, 'caller', HOUR);
    await store.join(caller2, 'caller', HOUR);
    await store.addMarker('c1', 'init.caller', ['init']);
    await store.setDeadline(caller1, 'supervisory', 10);
    await store.setDeadline(caller1, 'supervisory', 30);
    await store.setDeadline(caller2, 'supervisory', 20);
    assert.equal(await store.setDeadline({ callId: 'c1', deviceId: 'never' }, 'supervisory', 10), false);
    await store.leave(caller2);
    await advance(20);
    assert.deepEqual(await store.fireDue(), []);
    await advance(10);
    assert.deepEqual((await store.fireDue()).map((f) => f.deviceId), ['caller-1']);
    assert.deepEqual((await settled()).map((c) => c.reason), ['timeout']);
  });

  test(`${name}: a deadline due before its device's lease lapsed fires first (timeout, not closed)`, async () => {
    const { store, advance, settled } = await withCall();
    await store.join(caller1, 'caller', 100);
    await store.addMarker('c1', 'init.caller', ['init']);
    await store.setDeadline(caller1, 'supervisory', 50);
    await store.setDeadline(caller1, 'connection', 150);
    await advance(200); // nobody polled meanwhile (every node was busy or down)
    assert.deepEqual((await store.fireDue()).map((f) => [f.kind, f.terminated]), [['supervisory', true], ['lease', false]]);
    assert.deepEqual((await settled()).map((c) => c.reason), ['timeout']);
    assert.deepEqual(await store.fireDue(), [], 'the lapsed device took its later deadline with it');
  });

  test(`${name}: a lapsed lease counts as gone for deadlines: none is armed, and a later one is not fired by its node but reaped`, async () => {
    const { store, advance, settled } = await withCall();
    await store.join(caller1, 'caller', 100);
    await store.addMarker('c1', 'init.caller', ['init']);
    await store.setDeadline(caller1, 'supervisory', 150); // due after the lease ends
    await advance(100);
    assert.equal(await store.setDeadline(caller1, 'connection', 10), false, 'no timer for a lapsed device');
    await advance(50);
    // Its node fires late (it failed to renew): the outcome is the poll's, whoever gets there first.
    assert.equal(await store.fireDeadline(caller1, 'supervisory'), undefined);
    assert.deepEqual(await store.fireDue(), [{ callId: 'c1', deviceId: 'caller-1', kind: 'lease', terminated: true }]);
    assert.deepEqual(await settled(), [{ callId: 'c1', state: 'terminated', reason: 'closed' }]);
    assert.deepEqual(await store.fireDue(), []);
  });

  test(`${name}: a deadline due before its device's lease lapsed is still fired by its own node afterwards`, async () => {
    const { store, advance, settled } = await withCall();
    await store.join(caller1, 'caller', 100);
    await store.addMarker('c1', 'init.caller', ['init']);
    await store.setDeadline(caller1, 'supervisory', 50);
    await advance(120);
    assert.deepEqual(await store.fireDeadline(caller1, 'supervisory'), { callId: 'c1', deviceId: 'caller-1', kind: 'supervisory', terminated: true });
    assert.deepEqual((await settled()).map((c) => c.reason), ['timeout']);
  });

  test(`${name}: publish reaches the subscribers of that call only, in order, until they unsubscribe`, async () => {
    const { store, settle } = make();
    const a: StateChange[] = [];
    const b: StateChange[] = [];
    const other: StateChange[] = [];
    const offA = await store.subscribe('c1', (c) => a.push(c));
    await store.subscribe('c1', (c) => b.push(c));
    await store.subscribe('c2', (c) => other.push(c));
    await store.publish({ callId: 'c1', state: 'alerting' });
    await store.publish({ callId: 'c1', state: 'terminated', reason: 'busy' });
    await settle?.();
    offA();
    offA(); // twice is harmless
    await store.publish({ callId: 'c1', state: 'connected' });
    await settle?.();
    assert.deepEqual(a, [{ callId: 'c1', state: 'alerting' }, { callId: 'c1', state: 'terminated', reason: 'busy' }]);
    assert.deepEqual(b.map((c) => c.state), ['alerting', 'terminated', 'connected']);
    assert.deepEqual(other, []);
  });

  test(`${name}: a listener that unsubscribes another during delivery does not break the delivery`, async () => {
    const { store, settle } = make();
    const got: string[] = [];
    let offB = (): void => {};
    await store.subscribe('c1', () => {
      got.push('a');
      offB();
    });
    offB = await store.subscribe('c1', () => got.push('b'));
    await store.publish({ callId: 'c1', state: 'alerting' });
    await store.publish({ callId: 'c1', state: 'connecting' });
    await settle?.();
    assert.deepEqual(got, ['a', 'b', 'a']);
  });
}
