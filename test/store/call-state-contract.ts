import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CallStateStore, StateChange } from '../../src/store/call-state.ts';

/**
 * The behaviour every CallStateStore backend must show. `make` builds a
 * store whose calls live `durationMs`; `advance` moves its clock.
 */
export function callStateStoreContract(
  name: string,
  make: () => { store: CallStateStore; advance: (ms: number) => Promise<void>; durationMs: number },
): void {
  const call = { callId: 'c1', wsCallerToken: 'tok-caller', wsCalleeToken: 'tok-callee' };

  test(`${name}: create stores the tokens, marker init, no reason, no devices`, async () => {
    const { store } = make();
    assert.equal(await store.get('c1'), undefined);
    await store.create(call);
    assert.deepEqual(await store.get('c1'), { ...call, markers: ['init'], devices: { caller: 0, callee: 0 } });
  });

  test(`${name}: a call is gone callDuration after creation, whatever happened to it`, async () => {
    const { store, advance, durationMs } = make();
    await store.create(call);
    await store.incDevices('c1', 'caller');
    await advance(durationMs - 1);
    assert.ok(await store.get('c1'));
    await advance(1);
    assert.equal(await store.get('c1'), undefined);
    assert.equal(await store.addMarker('c1', 'init.caller', ['init']), undefined);
    assert.equal(await store.terminate('c1', 'x'), false);
    assert.equal(await store.incDevices('c1', 'caller'), undefined);
    assert.equal(await store.decDevices('c1', 'caller'), undefined);
  });

  test(`${name}: delete forgets a call at once; deleting an unknown call is harmless`, async () => {
    const { store } = make();
    await store.create(call);
    await store.delete('c1');
    assert.equal(await store.get('c1'), undefined);
    assert.equal(await store.incDevices('c1', 'caller'), undefined);
    await store.delete('never');
  });

  test(`${name}: addMarker adds only from the allowed states and reports before/after`, async () => {
    const { store } = make();
    await store.create(call);
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
    await store.create(call);
    assert.equal(await store.terminate('c1'), true);
    assert.deepEqual(await store.get('c1'), { ...call, markers: [], devices: { caller: 0, callee: 0 } });
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
    await store.create(call);
    assert.equal(await store.terminate('c1', 'timeout', ['half-initiated']), false);
    assert.deepEqual((await store.get('c1'))?.markers, ['init']);
    assert.equal((await store.get('c1'))?.reason, undefined);
    await store.addMarker('c1', 'init.caller', ['init']);
    assert.equal(await store.terminate('c1', 'timeout', ['half-initiated']), true);
    assert.equal(await store.terminate('c1', 'closed', ['half-initiated']), false);
    assert.equal((await store.get('c1'))?.reason, 'timeout');
  });

  test(`${name}: device counters per role, never below zero`, async () => {
    const { store } = make();
    await store.create(call);
    assert.equal(await store.incDevices('c1', 'callee'), 1);
    assert.equal(await store.incDevices('c1', 'callee'), 2);
    assert.equal(await store.incDevices('c1', 'caller'), 1);
    assert.deepEqual((await store.get('c1'))?.devices, { caller: 1, callee: 2 });
    assert.equal(await store.decDevices('c1', 'callee'), 1);
    assert.equal(await store.decDevices('c1', 'caller'), 0);
    assert.equal(await store.decDevices('c1', 'caller'), 0);
  });

  test(`${name}: publish reaches the subscribers of that call only, in order, until they unsubscribe`, async () => {
    const { store } = make();
    const a: StateChange[] = [];
    const b: StateChange[] = [];
    const other: StateChange[] = [];
    const offA = await store.subscribe('c1', (c) => a.push(c));
    await store.subscribe('c1', (c) => b.push(c));
    await store.subscribe('c2', (c) => other.push(c));
    await store.publish({ callId: 'c1', state: 'alerting' });
    await store.publish({ callId: 'c1', state: 'terminated', reason: 'busy' });
    offA();
    offA(); // twice is harmless
    await store.publish({ callId: 'c1', state: 'connected' });
    assert.deepEqual(a, [{ callId: 'c1', state: 'alerting' }, { callId: 'c1', state: 'terminated', reason: 'busy' }]);
    assert.deepEqual(b.map((c) => c.state), ['alerting', 'terminated', 'connected']);
    assert.deepEqual(other, []);
  });

  test(`${name}: a listener that unsubscribes another during delivery does not break the delivery`, async () => {
    const { store } = make();
    const got: string[] = [];
    let offB = (): void => {};
    await store.subscribe('c1', () => {
      got.push('a');
      offB();
    });
    offB = await store.subscribe('c1', () => got.push('b'));
    await store.publish({ callId: 'c1', state: 'alerting' });
    await store.publish({ callId: 'c1', state: 'connecting' });
    assert.deepEqual(got, ['a', 'b', 'a']);
  });
}
