import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.ts';
import { UpgradeRefused, WsClient } from '../helpers/ws-client.ts';
import { CONFORMANCE, hawkFetch, register, send } from '../helpers/loop.ts';
import { inboxReady, openInbox } from '../inbox-ws/ws-helpers.ts';
import { openProgress } from '../loop/progress-ws-helpers.ts';
import { B, fromAddress, retryAfter } from './from-address.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const servers: TestServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

async function server(env: Record<string, string>): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'signalbox-limits-'));
  const path = join(dir, 'config.json');
  writeFileSync(path, JSON.stringify(CONFORMANCE));
  const s = await startServer({ RATE_LIMITS: 'on', SIGNALBOX_CONFIG: path, ...env });
  servers.push(s);
  return s;
}

test('/inbox/ws: more frames a second than the limit: error frame 429 rate_limited, then close 4429', async () => {
  const s = await server({ RATE_LIMIT_WS_FRAMES: '5' });
  const socket = await inboxReady(s, 'frames'); // the auth frame was the first
  for (let i = 0; i < 10; i++) socket.send({ type: 'send', id: String(i), to: 'frames', data: 'x' });
  const closed = await socket.closed;
  assert.equal(closed.code, 4429);
  const error = socket.frames.find((f) => f.type === 'error');
  assert.deepEqual({ code: error?.code, error: error?.error }, { code: 429, error: 'rate_limited' });
  assert.ok(socket.frames.filter((f) => f.type === 'sent').length <= 4, 'frames past the limit were not handled');
});

test('/inbox/ws: an upgrade past RATE_LIMIT_REQUESTS is told in the socket too: error frame 429 rate_limited, close 4429; it counts as no connection', async () => {
  const s = await server({ RATE_LIMIT_REQUESTS: '1' }); // bursts of 2
  const sockets = [];
  for (let i = 0; i < 2; i++) sockets.push(await openInbox(s));
  const told = await openInbox(s);
  const frame = await told.next();
  assert.deepEqual([frame.type, frame.code, frame.error], ['error', 429, 'rate_limited']);
  assert.equal((await told.closed).code, 4429);
  for (const socket of sockets) {
    socket.close();
    await socket.closed;
  }
});

test('/inbox/ws: an auth that would create an inbox past the limit: error 429, close 4429', async () => {
  const s = await server({ RATE_LIMIT_NEW_INBOXES: '1' });
  const first = await inboxReady(s, 'ws-a');
  const second = await openInbox(s);
  second.send({ type: 'auth', username: 'ws-b', password: 'pw' });
  const frame = await second.next();
  assert.equal(frame.type, 'error');
  assert.equal(frame.code, 429);
  assert.equal(frame.error, 'rate_limited');
  assert.equal((await second.closed).code, 4429);
  first.close();
  await first.closed;
});

/** The HTTP answer to a refused WebSocket upgrade. */
async function refusedUpgrade(s: TestServer, path: string): Promise<{ status: number; retryAfter: string | undefined }> {
  const refused = await WsClient.connect(s.port, path).then(
    (ws) => {
      ws.terminate();
      throw new Error('the upgrade was accepted');
    },
    (err: unknown) => err,
  );
  assert.ok(refused instanceof UpgradeRefused, String(refused));
  return { status: refused.status, retryAfter: refused.headers['retry-after'] as string | undefined };
}

test('WebSockets count as connections: past MAX_CONNECTIONS_PER_CLIENT, /inbox/ws gets an error frame 429 and close 4429 (inbox.md; a browser sees no HTTP status), /websocket an HTTP 429', async () => {
  const s = await server({ MAX_CONNECTIONS_PER_CLIENT: '2' });
  const a = await openInbox(s);
  const b = await openProgress(s);
  const told = await openInbox(s);
  const frame = await told.next();
  assert.deepEqual([frame.type, frame.code, frame.error], ['error', 429, 'too_many_connections']);
  const closed = await told.closed;
  assert.deepEqual([closed.code, closed.reason], [4429, 'too_many_connections']);
  const progress = await refusedUpgrade(s, '/websocket');
  assert.deepEqual(progress, { status: 429, retryAfter: '1' });
  a.close();
  await a.closed;
  const c = await openInbox(s); // the closed socket's slot is free again
  c.close();
  b.close();
  await Promise.all([c.closed, b.closed]);
});

test('/websocket (call progress): more frames a second than the limit closes the socket 1008', async () => {
  const s = await server({ RATE_LIMIT_WS_FRAMES: '3' });
  const client = await openProgress(s);
  for (let i = 0; i < 8; i++) client.send({ messageType: 'echo', echo: String(i) });
  const closed = await client.closed;
  assert.equal(closed.code, 1008);
  assert.equal(closed.reason, 'Too many frames');
  assert.ok(client.frames.length <= 3, `at most 3 echoes (${client.frames.length})`);
});

test('anonymous Loop registrations: past the limit 429 errno 429 with its own Retry-After; other addresses and BrowserID unaffected', async () => {
  const s = await server({ RATE_LIMIT_REGISTRATIONS: '2' });
  for (let i = 0; i < 2; i++) assert.equal((await send(s, 'POST', '/v1/registration', {})).status, 200);
  const refused = await fromAddress(s, '/v1/registration', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
  assert.equal(refused.status, 429);
  assert.deepEqual(refused.json, { code: 429, errno: 429, error: 'Too Many Requests' });
  const wait = retryAfter(refused); // exactly one Retry-After: the limiter's, not the configured 30
  assert.ok(wait >= 1 && wait <= 60, String(wait));
  assert.equal(refused.headers['hawk-session-token'], undefined, 'no session was minted');
  const other = await fromAddress(s, '/v1/registration', { from: B, method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
  assert.equal(other.status, 200);
  const browserId = await send(s, 'POST', '/v1/registration', {}, { Authorization: 'BrowserID fake:alice@example.com' });
  assert.equal(browserId.status, 200);
});

test('rooms created per client: past the limit 429 errno 429', async () => {
  const s = await server({ RATE_LIMIT_ROOMS: '1' });
  const { creds } = await register(s);
  const body = { roomOwner: 'A', maxSize: 2, context: { value: 'v', alg: 'AES-GCM', wrappedKey: 'k' } };
  assert.equal((await hawkFetch(s, creds, 'POST', '/v1/rooms', { body })).status, 201);
  const refused = await hawkFetch(s, creds, 'POST', '/v1/rooms', { body });
  assert.equal(refused.status, 429);
  assert.deepEqual(refused.json, { code: 429, errno: 429, error: 'Too Many Requests' });
  assert.ok(refused.res.headers.get('server-authorization'), 'a Hawk-verified request is still signed');
});
