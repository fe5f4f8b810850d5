import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { InboxClient, InboxError, type FetchFunction } from '../../src/client/index.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { eventually } from '../helpers/eventually.ts';

let server: TestServer;
/** A local HTTP server that refuses every WebSocket upgrade (403), like a proxy without WebSocket support. */
let refuser: Server;
let refuserUrl: string;
before(async () => {
  server = await startServer({ MAX_WAIT: '5' });
  refuser = createServer((_req, res) => res.writeHead(404).end());
  refuser.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n'));
  await new Promise<void>((resolve) => refuser.listen(0, '127.0.0.1', resolve));
  refuserUrl = `ws://127.0.0.1:${(refuser.address() as { port: number }).port}/inbox/ws`;
});
after(async () => {
  await server.close();
  await new Promise((r) => refuser.close(r));
});

describe('InboxClient transport choice', () => {
  test("'auto' falls back to long-polling when the WebSocket path is refused, and works", async () => {
    const c = new InboxClient({ url: server.url, username: 'fb-auto', password: 'pw', WebSocket, wsUrl: refuserUrl, pollWaitSec: 1 });
    const transports: (string | null)[] = [];
    c.on('transport', (e) => transports.push(e.transport));
    await c.start();
    assert.equal(c.transport, 'poll');
    assert.deepEqual(transports, ['poll']);
    const it = c.messages();
    await new InboxClient({ url: server.url, username: 'fb-sender', password: 'pw' }).send('fb-auto', 'by polling');
    assert.equal((await it.next()).value?.text(), 'by polling');
    await c.close();
  });

  test("'auto' uses the WebSocket when it can", async () => {
    const c = new InboxClient({ url: server.url, username: 'fb-ws', password: 'pw', WebSocket });
    await c.start();
    assert.equal(c.transport, 'websocket');
    await c.close();
  });

  test("'auto' without any WebSocket class (Node 20 has no global one) long-polls", async () => {
    assert.equal((globalThis as { WebSocket?: unknown }).WebSocket, undefined);
    const c = new InboxClient({ url: server.url, username: 'fb-none', password: 'pw' });
    await c.start();
    assert.equal(c.transport, 'poll');
    await c.close();
  });

  test("'websocket' does not fall back: start() rejects when the WebSocket is refused", async () => {
    const c = new InboxClient({ url: server.url, username: 'fb-strict', password: 'pw', transport: 'websocket', WebSocket, wsUrl: refuserUrl });
    await assert.rejects(c.start(), (e: InboxError) => e instanceof InboxError && e.status === 0);
    assert.equal(c.state, 'closed');
  });

  test('no server at all: start() rejects with a network_error (status 0)', async () => {
    const down = await startServer();
    const url = down.url;
    await down.close();
    const c = new InboxClient({ url, username: 'fb-down', password: 'pw', WebSocket });
    await assert.rejects(c.start(), { status: 0, code: 'network_error' });
  });
});

describe('InboxClient stops instead of looping', () => {
  test('a 401 while long-polling: one error event, closed, no more requests', async () => {
    let calls = 0;
    let deny = false;
    const fetchSpy: FetchFunction = (input, init) => {
      calls++;
      if (deny) {
        const body = JSON.stringify({ code: 401, error: 'wrong_password', message: 'This inbox exists with another password.' });
        return Promise.resolve(new Response(body, { status: 401, headers: { 'Content-Type': 'application/json' } }));
      }
      return fetch(input, init);
    };
    const c = new InboxClient({ url: server.url, username: 'fb-401', password: 'pw', transport: 'poll', pollWaitSec: 1, fetch: fetchSpy, reconnectMinMs: 10 });
    const errors: InboxError[] = [];
    c.on('error', (e) => errors.push(e));
    await c.start();
    deny = true;
    await eventually(() => errors.length === 1, 'one error event', 4000);
    assert.equal(errors[0].status, 401);
    assert.equal(errors[0].code, 'wrong_password');
    assert.equal(c.state, 'closed');
    const after401 = calls;
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(calls, after401, 'no request after the 401');
  });

  test('a 503 while long-polling is retried with backoff', async () => {
    let failures = 2;
    const flaky: FetchFunction = (input, init) => {
      if (failures > 0 && input.includes('wait=1')) {
        failures--;
        return Promise.resolve(new Response('{"code":503,"error":"storage_unavailable","message":"m"}', { status: 503 }));
      }
      return fetch(input, init);
    };
    const c = new InboxClient({ url: server.url, username: 'fb-503', password: 'pw', transport: 'poll', pollWaitSec: 1, fetch: flaky, reconnectMinMs: 10, reconnectMaxMs: 20 });
    const states: string[] = [];
    c.on('transport', (e) => states.push(e.state));
    await c.start();
    await eventually(() => failures === 0 && c.state === 'open', 'the client to reopen without failures', 4000);
    assert.deepEqual(states.slice(0, 5), ['open', 'reconnecting', 'open', 'reconnecting', 'open']);
    await c.close();
  });
});
