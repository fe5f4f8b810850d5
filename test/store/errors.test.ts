import assert from 'node:assert/strict';
import { test } from 'node:test';
import Hawk from 'hawk';
import { pino } from 'pino';
import { systemClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config.ts';
import { StoreError, asStoreError, isStoreError } from '../../src/store/errors.ts';
import { MemoryCallStateStore } from '../../src/store/memory/call-state.ts';
import { MemoryInboxStore } from '../../src/store/memory/inbox.ts';
import { MemoryLoopStore } from '../../src/store/memory/loop.ts';
import { inboxReady, openInbox, errorAndClose } from '../inbox-ws/ws-helpers.ts';
import { openProgress, expectError } from '../loop/progress-ws-helpers.ts';
import { Peer, done } from '../helpers/inbox-client.ts';
import { hawkFetch, register, send, startLoopServer } from '../helpers/loop.ts';
import type { TestServer } from '../helpers/server.ts';

/** Methods that stay real: event wiring and shutdown are not backend round trips. */
const KEEP = new Set(['subscribe', 'close']);

/**
 * The real memory store behind a switch: while `failing(method)` gives an
 * error, that store call rejects with it (what a backend that lost Redis does).
 */
function breakable<T extends object>(target: T, failing: (method: string) => Error | undefined): T {
  return new Proxy(target, {
    get(t, prop) {
      const value = Reflect.get(t, prop, t) as unknown;
      if (typeof value !== 'function') return value;
      const real = value.bind(t) as (...args: unknown[]) => unknown;
      if (KEEP.has(String(prop))) return real;
      return (...args: unknown[]) => {
        const err = failing(String(prop));
        return err ? Promise.reject(err) : real(...args);
      };
    },
  });
}

type Line = Record<string, any>;

/** A server (Loop conformance config) whose inbox, Loop and call-state stores fail while `state.error` is set; its log lines are kept. */
async function start(): Promise<{ server: TestServer; lines: Line[]; state: { error: Error | undefined } }> {
  const state: { error: Error | undefined } = { error: undefined };
  const config = loadConfig({});
  const fail = () => state.error;
  const store = breakable(new MemoryInboxStore({ ...config, clock: systemClock }), fail);
  const loopStore = breakable(new MemoryLoopStore({ clock: systemClock, limits: config.loop.limits }), fail);
  const callState = breakable(new MemoryCallStateStore({ clock: systemClock, callDurationMs: 60_000 }), fail);
  const lines: Line[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  const server = await startLoopServer({}, { stores: { inbox: store, loop: loopStore, callState }, logger });
  return { server, lines, state };
}

const outage = () => new StoreError('open: connect ECONNREFUSED 127.0.0.1:6379');

test('StoreError: a stable code; asStoreError wraps a backend failure and keeps its cause', () => {
  const cause = new Error('ECONNRESET');
  const err = asStoreError(cause, 'take');
  assert.ok(isStoreError(err));
  assert.equal(err.code, 'storage_unavailable');
  assert.equal(err.message, 'take: ECONNRESET');
  assert.equal(err.cause, cause);
  assert.equal(asStoreError(err, 'again'), err, 'a StoreError passes through');
  assert.ok(!isStoreError(cause));
});

test('inbox HTTP: a failing store gives 503 storage_unavailable with Retry-After on GET and POST, logged without a stack', async () => {
  const { server, lines, state } = await start();
  try {
    const alice = new Peer(server.url, 'alice');
    assert.equal((await done(alice.read())).status, 204, 'works before the outage');
    state.error = outage();
    for (const r of [await done(alice.read()), await done(alice.read({ wait: 5 })), await done(alice.send('alice', 'hi')), await done(alice.remove())]) {
      assert.equal(r.status, 503, r.text);
      assert.equal(r.headers.get('retry-after'), '1');
      assert.equal(JSON.parse(r.text).error, 'storage_unavailable');
      assert.equal(JSON.parse(r.text).code, 503);
    }
    const logged = lines.filter((l) => l.msg === 'storage unavailable');
    assert.equal(logged.length, 4);
    assert.equal(logged[0].level, 40, 'a warning');
    assert.equal(logged[0].code, 'storage_unavailable');
    assert.ok(!JSON.stringify(logged).includes('    at '), 'no stack');
    state.error = undefined;
    assert.equal((await done(alice.read())).status, 204, 'back once the store is');
  } finally {
    await server.close();
  }
});

test('/inbox/ws: a send during an outage gets an error frame 503 and the socket stays open; a failed auth closes 1013', async () => {
  const { server, state } = await start();
  try {
    const socket = await inboxReady(server, 'bob');
    state.error = outage();
    socket.send({ type: 'send', id: 'm1', to: 'bob', data: 'hello' });
    assert.deepEqual(await socket.next(), {
      type: 'error', id: 'm1', code: 503, error: 'storage_unavailable', message: 'The storage backend did not answer; retry later.',
    });
    state.error = undefined;
    socket.send({ type: 'send', id: 'm2', to: 'bob', data: 'again' });
    const frames = [await socket.next(), await socket.next()];
    assert.ok(frames.some((f) => f.type === 'sent' && f.id === 'm2'), JSON.stringify(frames));
    assert.ok(frames.some((f) => f.type === 'message'), 'the socket still delivers');
    socket.close();

    state.error = outage();
    const late = await openInbox(server);
    late.send({ type: 'auth', username: 'carol', password: 'pw' });
    const { frame, code } = await errorAndClose(late);
    assert.equal(frame.type, 'error');
    assert.equal(frame.code, 503);
    assert.equal(frame.error, 'storage_unavailable');
    assert.equal(code, 1013);
  } finally {
    await server.close();
  }
});

test('Loop: registration and a Hawk request during an outage give 503 errno 201 with Retry-After, never 500 or errno 999', async () => {
  const { server, lines, state } = await start();
  try {
    const { creds } = await register(server);
    state.error = outage();
    const reg = await send(server, 'POST', '/v1/registration', {});
    assert.equal(reg.status, 503, reg.text);
    assert.deepEqual(reg.json, { code: 503, errno: 201, error: 'Service Unavailable' });
    assert.equal(reg.res.headers.get('retry-after'), String(server.config.loop.retryAfter));

    for (const [method, path] of [['GET', '/v1/calls?version=0'], ['POST', '/v1/call-url']]) {
      const r = await hawkFetch(server, creds, method, path, method === 'POST' ? { body: {} } : {});
      assert.equal(r.status, 503, `${method} ${path}: ${r.text}`);
      assert.equal(r.json.errno, 201);
      assert.equal(r.res.headers.get('retry-after'), String(server.config.loop.retryAfter));
    }
    assert.ok(!lines.some((l) => l.level >= 50), 'nothing logged as an error');
    assert.ok(lines.some((l) => l.level === 40 && l.code === 'storage_unavailable'));
  } finally {
    await server.close();
  }
});

test('Loop: a store that fails at the nonce claim, or during the hawk package\'s own checks, gives 503 errno 201, not "Invalid nonce"', async () => {
  const state: { error: Error | undefined; only: string | undefined } = { error: undefined, only: undefined };
  const config = loadConfig({});
  const loopStore = breakable(
    new MemoryLoopStore({ clock: systemClock, limits: config.loop.limits }),
    (method) => (state.only === undefined || method === state.only ? state.error : undefined),
  );
  const server = await startLoopServer({}, { stores: { loop: loopStore } });
  try {
    const { creds } = await register(server);
    // An `app` attribute is outside the fast path's header grammar: the hawk package checks it, with our nonceFunc.
    const viaHawk = (): string => Hawk.client.header(`${server.url}/v1/calls?version=0`, 'GET', { credentials: creds, app: 'x' }).header;
    const ok = await hawkFetch(server, creds, 'GET', '/v1/calls?version=0', { authorization: viaHawk() });
    assert.equal(ok.status, 200, ok.text);

    state.error = outage();
    for (const only of ['claimNonce', undefined]) {
      state.only = only;
      for (const authorization of [undefined, viaHawk()]) {
        const r = await hawkFetch(server, creds, 'GET', '/v1/calls?version=0', authorization ? { authorization } : {});
        const what = `${only ?? 'every call'} failing, ${authorization ? 'hawk package' : 'fast path'}`;
        assert.equal(r.status, 503, `${what}: ${r.text}`);
        assert.deepEqual(r.json, { code: 503, errno: 201, error: 'Service unavailable' }, what);
        assert.equal(r.res.headers.get('retry-after'), String(server.config.loop.retryAfter), what);
      }
    }
  } finally {
    await server.close();
  }
});

test('/websocket: a store failure at hello is §12.10 "Service Unavailable" and a close, logged as a warning without a stack', async () => {
  const { server, lines, state } = await start();
  try {
    state.error = outage();
    const from = lines.length;
    const ws = await openProgress(server);
    ws.send({ messageType: 'hello', callId: 'a'.repeat(32), auth: 'b'.repeat(32) });
    await expectError(ws, 'Service Unavailable');
    const logged = lines.slice(from);
    assert.ok(logged.some((l) => l.level === 40 && l.code === 'storage_unavailable'), JSON.stringify(logged));
    assert.ok(!logged.some((l) => l.level >= 50 || JSON.stringify(l).includes('"stack"')));
  } finally {
    await server.close();
  }
});

test('a plain exception from a store call is still a bug: 500 on both surfaces, logged once with its stack', async () => {
  const { server, lines, state } = await start();
  try {
    state.error = new Error('bug-in-store-0451');
    const inbox = await done(new Peer(server.url, 'dave').read());
    assert.equal(inbox.status, 500);
    assert.equal(JSON.parse(inbox.text).error, 'internal_error');
    assert.equal(inbox.headers.get('retry-after'), null);

    const loop = await send(server, 'POST', '/v1/registration', {});
    assert.equal(loop.status, 500);
    assert.equal(loop.json.errno, 999);

    const logged = lines.filter((l) => l.err?.message === 'bug-in-store-0451');
    assert.equal(logged.length, 2, JSON.stringify(logged.map((l) => l.msg)));
    for (const l of logged) {
      assert.equal(l.level, 50);
      assert.match(l.err.stack, /bug-in-store-0451\n\s+at /);
    }
    assert.equal(logged.filter((l) => l.path === '/inbox').length, 1, 'the inbox request once');
    assert.equal(logged.filter((l) => l.path === '/v1/registration').length, 1, 'the Loop request once');
  } finally {
    await server.close();
  }
});
