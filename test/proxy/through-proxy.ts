import assert from 'node:assert/strict';
import { test } from 'node:test';
import { basic, type TestServer } from '../helpers/server.ts';
import { WsClient } from '../helpers/ws-client.ts';
import type { RunningProxy } from './proxy-process.ts';

/**
 * The tests every documented proxy passes with signalbox behind it: long-polls
 * (answered at once, or after their wait), both WebSockets, and the
 * uWebSockets header hidden. `at()` gives the running server and proxy (made
 * in the caller's before hook).
 */
export function throughProxyTests(name: string, at: () => { server: TestServer; proxy: RunningProxy }): void {
  const run = Date.now().toString(36);
  const auth = (user: string) => ({ Authorization: basic(user, 'pw') });
  const post = (from: string, to: string, body: string) =>
    fetch(`${at().proxy.url}/inbox?to=${encodeURIComponent(to)}`, { method: 'POST', headers: { ...auth(from), 'Content-Type': 'text/plain' }, body });
  /** Long-polls waiting in signalbox, read from /__metrics__ directly (the proxy blocks it). */
  const waiting = async () => {
    const text = await (await fetch(`${at().server.url}/__metrics__`)).text();
    return Number(/^signalbox_long_polls_waiting (\d+)/m.exec(text)?.[1]);
  };

  test(`a long-poll through ${name} is answered as soon as a message is posted, without the uWebSockets header`, async () => {
    const { proxy } = at();
    const alice = `alice-${run}`;
    const bob = `bob-${run}`;
    assert.equal((await fetch(`${proxy.url}/inbox`, { headers: auth(bob) })).status, 204); // bob's inbox exists
    const started = Date.now();
    const poll = fetch(`${proxy.url}/inbox?wait=2`, { headers: auth(alice) });
    for (const deadline = Date.now() + 2000; (await waiting()) < 1; ) {
      assert.ok(Date.now() < deadline, 'the long-poll never reached signalbox');
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal((await post(bob, alice, 'offer')).status, 204);
    const res = await poll;
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-from'), bob);
    assert.equal(await res.text(), 'offer');
    assert.ok(Date.now() - started < 1900, 'answered when the message came, not when the wait ran out');
    assert.equal(res.headers.get('uwebsockets'), null, 'the uWebSockets header is hidden');
  });

  test(`a long-poll with nothing to read waits its 2 s through ${name}, then gets 204`, async () => {
    const started = Date.now();
    const res = await fetch(`${at().proxy.url}/inbox`, { headers: { ...auth(`idle-${run}`), Prefer: 'wait=2' } });
    assert.equal(res.status, 204);
    assert.ok(Date.now() - started >= 1900, `answered after ${Date.now() - started} ms`);
  });

  test(`a WebSocket to /inbox/ws through ${name} gets ready, then a message`, async () => {
    const carol = `carol-${run}`;
    const ws = await WsClient.connect(at().proxy.port, '/inbox/ws', { timeoutMs: 5000 });
    try {
      ws.send({ type: 'auth', username: carol, password: 'pw' });
      assert.deepEqual(await ws.next(5000, 'ready'), { type: 'ready' });
      assert.equal((await post(`dave-${run}`, carol, `hello over ${name}`)).status, 204);
      assert.deepEqual(await ws.next(5000, 'the message'), { type: 'message', from: `dave-${run}`, contentType: 'text/plain', data: `hello over ${name}` });
    } finally {
      ws.close();
    }
  });

  test(`the Loop call-progress WebSocket (/websocket) works through ${name}`, async () => {
    const ws = await WsClient.connect(at().proxy.port, '/websocket', { timeoutMs: 5000 });
    try {
      ws.send({ messageType: 'echo', echo: `through ${name}` });
      assert.deepEqual(await ws.next(5000, 'the echo'), { messageType: 'echo', echo: `through ${name}` });
    } finally {
      ws.close();
    }
  });
}
