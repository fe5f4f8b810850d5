import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import pino from 'pino';
import { systemTimers } from '../../src/clock.ts';
import { DuePoller } from '../../src/loop/progress/due-poller.ts';
import type { Firing, PlacedCall, StateChange } from '../../src/store/call-state.ts';
import { isStoreError } from '../../src/store/errors.ts';
import { RedisCallStateStore } from '../../src/store/redis/call-state.ts';
import { connectRedis } from '../../src/store/redis/connection.ts';
import { redisSkip, settleCallStateEvents, testConnection, testRedisUrl, uniquePrefix } from '../helpers/redis.ts';

/** What only the Redis backend shows: several nodes on one Redis, on Redis's own clock, and its failures. */
const skip = redisSkip();
const placed = (callId: string): PlacedCall => ({
  callId, wsCallerToken: `caller-${callId}`, wsCalleeToken: `callee-${callId}`, callType: 'audio', timestamp: 1, apiKey: 'k', sessionId: 's', calleeToken: 't',
});

/** Resolves with what `listener` hears first, or rejects after `ms`. */
function nextChange(subscribe: (listener: (c: StateChange) => void) => unknown, ms = 3000): Promise<StateChange> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no broadcast within ${ms} ms`)), ms);
    subscribe((c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
}

/** Two nodes: each its own pair of connections, one prefix. */
async function twoNodes() {
  const prefix = uniquePrefix('calls');
  const [a, b] = [await testConnection({ prefix }), await testConnection({ prefix })];
  const nodeA = new RedisCallStateStore({ redis: a, callDurationMs: 60_000 });
  const nodeB = new RedisCallStateStore({ redis: b, callDurationMs: 60_000 });
  return { a, b, nodeA, nodeB, prefix };
}

test('redis nodes: a call made on one node is seen on the other; a close there is heard here, and a race ends it once', { skip }, async () => {
  const { nodeA, nodeB } = await twoNodes();
  try {
    assert.deepEqual(await nodeA.create(placed('x'), ['u']), ['u']);
    assert.deepEqual((await nodeB.listCalls('u')).map((c) => c.callId), ['x']);
    await nodeA.join({ callId: 'x', deviceId: 'caller' }, 'caller', 60_000);
    await nodeB.join({ callId: 'x', deviceId: 'callee' }, 'callee', 60_000);
    const heard: StateChange[] = [];
    await nodeA.subscribe('x', (c) => heard.push(c));
    // Both parties leave at once, each through its own node: the call ends once, with one broadcast.
    const [left, right] = await Promise.all([nodeA.leave({ callId: 'x', deviceId: 'caller' }), nodeB.leave({ callId: 'x', deviceId: 'callee' })]);
    assert.deepEqual([left?.terminated, right?.terminated].sort(), [false, true]);
    await settleCallStateEvents(nodeA);
    assert.deepEqual(heard, [{ callId: 'x', state: 'terminated', reason: 'closed' }]);
    assert.equal((await nodeB.get('x'))?.reason, 'closed');
  } finally {
    await Promise.all([nodeA.close(), nodeB.close()]);
  }
});

test("redis nodes: a dead node's deadline is fired by another node's poll, on Redis's clock, within a second", { skip }, async () => {
  const { nodeA, nodeB } = await twoNodes();
  const poller = new DuePoller({ store: nodeB, timers: systemTimers, everyMs: 100 });
  try {
    await nodeA.create(placed('y'), ['u']);
    const device = { callId: 'y', deviceId: 'caller' };
    await nodeA.join(device, 'caller', 60_000);
    await nodeA.addMarker('y', 'init.caller', ['init']);
    const heard = nextChange((l) => nodeB.subscribe('y', l));
    const armedAt = Date.now();
    assert.equal(await nodeA.setDeadline(device, 'supervisory', 300), true);
    await nodeA.close(); // node A dies: its own timer never fires
    assert.deepEqual(await heard, { callId: 'y', state: 'terminated', reason: 'timeout' });
    const late = Date.now() - armedAt;
    assert.ok(late >= 290 && late < 1300, `fired ${late} ms after it was armed`);
    assert.equal(await nodeB.fireDeadline(device, 'supervisory'), undefined, 'fired once');
  } finally {
    poller.stop();
    await nodeB.close();
  }
});

test('redis nodes: a lease its node stopped renewing is reaped by another node as that socket closing', { skip }, async () => {
  const { nodeA, nodeB } = await twoNodes();
  try {
    await nodeA.create(placed('z'), ['u']);
    await nodeA.join({ callId: 'z', deviceId: 'caller' }, 'caller', 150);
    await nodeB.join({ callId: 'z', deviceId: 'callee' }, 'callee', 60_000);
    const heard = nextChange((l) => nodeB.subscribe('z', l));
    const fired: Firing[] = [];
    for (let i = 0; i < 40 && fired.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      fired.push(...(await nodeB.fireDue()));
    }
    assert.deepEqual(fired, [{ callId: 'z', deviceId: 'caller', kind: 'lease', terminated: true }]);
    assert.deepEqual(await heard, { callId: 'z', state: 'terminated', reason: 'closed' });
  } finally {
    await Promise.all([nodeA.close(), nodeB.close()]);
  }
});

test('redis: a node listens to a call only while it has a listener for it', { skip }, async () => {
  const { a, nodeA, nodeB, prefix } = await twoNodes();
  const channel = `${prefix}csev:w`;
  const subscribers = async () => ((await a.cmd.pubsub('NUMSUB', channel)) as [string, number])[1];
  try {
    await nodeA.create(placed('w'), ['u']);
    assert.equal(await subscribers(), 0);
    const off1 = await nodeB.subscribe('w', () => {});
    const off2 = await nodeB.subscribe('w', () => {});
    assert.equal(await subscribers(), 1, 'one subscription per node, however many listeners');
    off1();
    assert.equal(await subscribers(), 1);
    off2();
    await settleCallStateEvents(nodeB); // the UNSUBSCRIBE went out on the same connection before this
    assert.equal(await subscribers(), 0);
  } finally {
    await Promise.all([nodeA.close(), nodeB.close()]);
  }
});

test("redis: a call's keys carry a native expiry (its life plus a grace), and a swept call leaves no key", { skip }, async () => {
  const { a, nodeA } = await twoNodes();
  try {
    await nodeA.create(placed('v'), ['u']);
    await nodeA.join({ callId: 'v', deviceId: 'd' }, 'caller', 10_000);
    await nodeA.join({ callId: 'v', deviceId: 'e' }, 'callee', 10_000);
    await nodeA.setDeadline({ callId: 'v', deviceId: 'd' }, 'supervisory', 10_000);
    for (const key of ['cs:v', 'csc:v', 'cse:v', 'cst:v', 'csu:u']) {
      const ttl = await a.cmd.pttl(`${a.prefix}${key}`);
      assert.ok(ttl > 60_000 && ttl <= 120_000, `${key}: ${ttl}`);
    }
    await nodeA.deleteUserCalls('u');
    assert.deepEqual(await a.cmd.keys(`${a.prefix}*`), [], 'nothing left under the prefix');
  } finally {
    await nodeA.close();
  }
});

test('redis: after its subscriber connection was lost, a node hears the state its calls reached meanwhile', { skip }, async () => {
  const { a, nodeA, nodeB } = await twoNodes();
  try {
    await nodeA.create(placed('r'), ['u']);
    await nodeA.join({ callId: 'r', deviceId: 'caller' }, 'caller', 60_000);
    const subscriber = (await a.sub.client('ID')) as number; // node A's subscriber connection, asked before it subscribes
    const heard: StateChange[] = [];
    await nodeA.subscribe('r', (c) => heard.push(c));
    // Node A's subscriber connection drops; node B ends the call before it is back: that broadcast is lost.
    const back = once(a.sub, 'ready');
    await a.cmd.client('KILL', 'ID', String(subscriber));
    await nodeB.terminate('r', 'busy');
    await nodeB.publish({ callId: 'r', state: 'terminated', reason: 'busy' });
    await back;
    const deadline = Date.now() + 3000;
    while (heard.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    await settleCallStateEvents(nodeA);
    assert.deepEqual(heard, [{ callId: 'r', state: 'terminated', reason: 'busy' }], 'heard once, from the catch-up');
  } finally {
    await Promise.all([nodeA.close(), nodeB.close()]);
  }
});

test('redis: a failed Redis call is a StoreError', { skip }, async () => {
  const connection = await connectRedis({ url: await testRedisUrl(), prefix: uniquePrefix(), log: pino({ level: 'silent' }) });
  const store = new RedisCallStateStore({ redis: connection, callDurationMs: 60_000 });
  await connection.close();
  for (const attempt of [() => store.get('x'), () => store.create(placed('x'), ['u']), () => store.fireDue(), () => store.publish({ callId: 'x', state: 'alerting' })]) {
    await assert.rejects(attempt(), (err: unknown) => isStoreError(err) && err.code === 'storage_unavailable');
  }
  await store.close();
});

test('redis: a node renews thousands of sockets in one renew (several scripts), the lost ones in order', { skip }, async () => {
  const { nodeA } = await twoNodes();
  try {
    await nodeA.create(placed('many'), ['u']);
    const devices = Array.from({ length: 2500 }, (_, i) => ({ callId: i % 7 === 0 ? 'gone' : 'many', deviceId: `d${i}` }));
    await Promise.all(devices.filter((d) => d.callId === 'many').map((d) => nodeA.join(d, 'callee', 60_000)));
    const lost = await nodeA.renew(devices, 60_000);
    assert.deepEqual(lost, devices.filter((d) => d.callId === 'gone'));
    assert.equal((await nodeA.get('many'))?.devices.callee, 2500 - lost.length);
  } finally {
    await nodeA.close();
  }
});
