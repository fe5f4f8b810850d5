import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  deriveState, helloState, LIVE_STATES, stateForMarkerCount, timingsFromSeconds, UNCONNECTED_STATES,
} from '../../../src/loop/progress/call-state.ts';

test('§12.4: the state follows the number of markers set', () => {
  assert.equal(deriveState([]), 'terminated');
  assert.equal(deriveState(['init']), 'init');
  assert.equal(deriveState(['init', 'init.caller']), 'half-initiated');
  assert.equal(deriveState(['init', 'init.callee']), 'half-initiated');
  assert.equal(deriveState(['init', 'init.callee', 'init.caller']), 'alerting');
  assert.equal(deriveState(['init', 'init.callee', 'init.caller', 'connecting']), 'connecting');
  assert.equal(deriveState(['init', 'init.callee', 'init.caller', 'connecting', 'connected.callee']), 'half-connected');
  assert.equal(
    deriveState(['init', 'init.callee', 'init.caller', 'connecting', 'connected.callee', 'connected.caller']),
    'connected',
  );
  assert.equal(stateForMarkerCount(9), 'connected');
});

test('hello reports half-initiated as init and every other state as is', () => {
  assert.equal(helloState('half-initiated'), 'init');
  for (const s of ['init', 'alerting', 'connecting', 'half-connected', 'connected', 'terminated'] as const) {
    assert.equal(helloState(s), s);
  }
});

test('state groups used by timers and closes', () => {
  assert.ok(!LIVE_STATES.includes('terminated'));
  assert.equal(LIVE_STATES.length, 6);
  assert.deepEqual(UNCONNECTED_STATES, ['init', 'half-initiated', 'alerting', 'connecting', 'half-connected']);
});

test('timer settings in seconds (fractions allowed) become milliseconds', () => {
  assert.deepEqual(timingsFromSeconds({ supervisoryDuration: 0.05, ringingDuration: 30, connectionDuration: 10 }), {
    supervisoryMs: 50,
    ringingMs: 30_000,
    connectionMs: 10_000,
  });
});
