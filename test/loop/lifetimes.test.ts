import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryLoopStore } from '../../src/store/memory/loop.ts';
import type { PlacedCall } from '../../src/store/call-state.ts';
import type { LoopStore } from '../../src/store/loop.ts';
import { MemoryCallStateStore } from '../../src/store/memory/call-state.ts';
import { FakeTime } from '../helpers/fake-time.ts';
import { hawkFetch, register, startLoopServer } from '../helpers/loop.ts';

const DAY_MS = 86_400_000;
const limits = { sessions: 100, callUrls: 100, nonces: 100 };
const call = (callId: string): PlacedCall => ({
  callId, callType: 'audio', timestamp: 1, apiKey: 'a', sessionId: 's', calleeToken: 't', wsCallerToken: 'w1', wsCalleeToken: 'w2',
});

test('§1/§3.3 a Hawk session lives 30 days after its last authenticated request', async () => {
  const time = new FakeTime();
  const server = await startLoopServer({}, { clock: time });
  try {
    const { creds } = await register(server);
    time.advance(29 * DAY_MS);
    assert.equal((await hawkFetch(server, creds, 'GET', '/v1/call-url')).status, 200);
    time.advance(29 * DAY_MS);
    assert.equal((await hawkFetch(server, creds, 'GET', '/v1/call-url')).status, 200, 'the last request extended it');
    time.advance(30 * DAY_MS + 1000);
    const gone = await hawkFetch(server, creds, 'GET', '/v1/call-url');
    assert.equal(gone.status, 401);
    assert.equal(gone.res.headers.get('www-authenticate'), 'Hawk error="Unknown credentials"');
  } finally {
    await server.close();
  }
});

test('§6.1 a call URL disappears at its expiry', async () => {
  const time = new FakeTime();
  const server = await startLoopServer({}, { clock: time });
  try {
    const { creds } = await register(server);
    const made = await hawkFetch(server, creds, 'POST', '/v1/call-url', { body: { callerId: 'a', expiresIn: 1 } });
    assert.equal(made.status, 200);
    time.advance(3_500_000);
    assert.equal((await hawkFetch(server, creds, 'GET', '/v1/call-url')).json.length, 1);
    time.advance(200_000);
    assert.deepEqual((await hawkFetch(server, creds, 'GET', '/v1/call-url')).json, []);
    assert.equal((await fetch(`${server.url}/v1/calls/${made.json.callToken}`)).status, 404);
  } finally {
    await server.close();
  }
});

// A store answers at once or with a promise (MaybeAsync): it may fail either way.
for (const [how, fail] of [
  ['at once', () => { throw new Error('store down'); }],
  ['with a rejected promise', () => Promise.reject(new Error('store down'))],
] as const) test(`§3.7 a store failure during the Hawk lookup (${how}) is 503 errno 201 with Retry-After`, async () => {
  const time = new FakeTime();
  const broken: LoopStore = new MemoryLoopStore({ clock: time, limits });
  broken.getSession = fail as unknown as LoopStore['getSession'];
  const server = await startLoopServer({}, { stores: { loop: broken } });
  try {
    const { creds } = await register(server);
    const r = await hawkFetch(server, creds, 'GET', '/v1/call-url');
    assert.equal(r.status, 503);
    assert.deepEqual(r.json, { code: 503, errno: 201, error: 'Service unavailable' });
    assert.equal(r.res.headers.get('retry-after'), '30');
  } finally {
    await server.close();
  }
});

test('call store: a call lives callDuration in every callee\'s list, progress state included; indexes follow', async () => {
  const time = new FakeTime();
  const store = new MemoryCallStateStore({ clock: time, callDurationMs: 1000 });
  assert.deepEqual(await store.create(call('c1'), ['u1', 'u2']), ['u1', 'u2']);
  assert.deepEqual(await store.listCalls('u2'), [call('c1')]);
  time.advance(999);
  assert.ok(await store.get('c1'), 'alive until its lifetime ends');
  assert.equal(await store.countCalls('u1'), 1);
  time.advance(2);
  assert.equal(await store.get('c1'), undefined);
  assert.deepEqual(await store.listCalls('u1'), []);
  assert.deepEqual(await store.listCalls('u2'), []);
  assert.equal(await store.countCalls('u1'), 0);
  assert.equal(store.size, 0, 'reading dropped the expired call');
});
