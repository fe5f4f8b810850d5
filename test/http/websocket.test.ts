import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import WebSocket from 'ws';
import type { AppError } from '../../src/errors.ts';
import { ClientGate } from '../../src/http/client-gate.ts';
import { HttpServer } from '../../src/http/server.ts';
import { loadUwsCore } from '../../src/http/uws.ts';
import type { WsEndpoint, WsHandlers, WsOptions, WsPeer } from '../../src/http/websocket.ts';
import { TrustedProxies } from '../../src/limits/client-address.ts';
import { ConnectionCounter } from '../../src/limits/connections.ts';
import { createLogger } from '../../src/logger.ts';
import { eventually } from '../helpers/eventually.ts';

/** A session that records what the adapter handed it; the route's handlers below only forward to it. */
class Recorder {
  readonly texts: string[] = [];
  binaries = 0;
  tooMany = 0;
  drains = 0;
  closed = false;
  goneAway = false;
  constructor(readonly peer: WsPeer, readonly client: string) {}
}

const decoder = new TextDecoder();

function recordingRoute(sessions: Recorder[]): WsHandlers<Recorder> {
  return {
    open(peer, client) {
      const session = new Recorder(peer, client);
      sessions.push(session);
      return session;
    },
    message(session, message, isBinary) {
      if (isBinary) session.binaries++;
      else session.texts.push(decoder.decode(message));
    },
    tooManyFrames(session, peer) {
      session.tooMany++;
      peer.end(1008, 'Too many frames');
    },
    drain: (session) => void session.drains++,
    close: (session) => void (session.closed = true),
    goingAway(session, peer) {
      session.goneAway = true;
      peer.send('bye');
      peer.end(1001, 'going away');
    },
  };
}

interface Harness {
  readonly http: HttpServer;
  readonly port: number;
  readonly connections: ConnectionCounter;
}

const servers: HttpServer[] = [];
after(() => {
  for (const s of servers) s.closeAll();
});

const BASE: WsOptions = { maxPayloadBytes: 16 * 1024, maxBackpressureBytes: 64 * 1024, idleTimeoutSec: 32 };

async function harness(setup: (http: HttpServer) => void, maxPerClient = 0): Promise<Harness> {
  const connections = new ConnectionCounter(maxPerClient, 0);
  const gate = new ClientGate({ perClient: true, trust: new TrustedProxies([]), requests: null, connections });
  const http = new HttpServer(loadUwsCore(), createLogger('silent'), () => {}, { gate });
  setup(http);
  servers.push(http);
  return { http, connections, port: await http.listen('127.0.0.1', 0) };
}

interface Client {
  readonly ws: WebSocket;
  readonly messages: string[];
  readonly closed: Promise<{ code: number; reason: string }>;
}

async function connect(port: number, path: string): Promise<Client> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`);
  const messages: string[] = [];
  ws.on('message', (data) => messages.push(String(data)));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.once('close', (code, reason) => resolve({ code, reason: String(reason) }));
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, messages, closed };
}

/** The HTTP answer to an upgrade the server refused. */
function refusedUpgrade(port: number, path: string): Promise<{ status: number; retryAfter: unknown; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`);
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], body });
        ws.terminate();
      });
    });
    ws.on('open', () => reject(new Error('the upgrade was accepted')));
    ws.on('error', () => {});
  });
}

test('two routes: each counts its own sockets; closeAll goes away on its sockets only and then refuses upgrades with 503', async () => {
  const a: Recorder[] = [];
  const b: Recorder[] = [];
  let routeA: WsEndpoint | undefined;
  let routeB: WsEndpoint | undefined;
  const h = await harness((http) => {
    routeA = http.websocket('/a', { ...BASE, refusalBody: (err: AppError) => JSON.stringify(err) }, recordingRoute(a));
    routeB = http.websocket('/b', BASE, recordingRoute(b));
  });
  const [a1, a2, b1] = await Promise.all([connect(h.port, '/a'), connect(h.port, '/a'), connect(h.port, '/b')]);
  await eventually(() => routeA!.count === 2 && routeB!.count === 1, 'the open handlers');
  assert.equal(h.connections.total, 3, 'each open socket holds a connection slot');
  assert.deepEqual(a.map((s) => s.client), ['127.0.0.1', '127.0.0.1'], 'the client key read at the upgrade');

  routeA!.closeAll();
  assert.equal(routeA!.count, 0, 'end() ran the close handler synchronously');
  assert.ok(a.every((s) => s.goneAway && s.closed && !s.peer.open));
  assert.equal(a[0].peer.send('late'), 'closed');
  assert.equal(a[0].peer.bufferedAmount(), 0);
  for (const c of [a1, a2]) {
    assert.deepEqual(await c.closed, { code: 1001, reason: 'going away' });
    assert.deepEqual(c.messages, ['bye']);
  }
  assert.equal(routeB!.count, 1);
  assert.equal(b[0].goneAway, false);
  assert.equal(h.connections.total, 1, 'the closed sockets gave their slots back');

  const refusedA = await refusedUpgrade(h.port, '/a');
  assert.equal(refusedA.status, 503);
  assert.equal(refusedA.retryAfter, '1');
  assert.equal(JSON.parse(refusedA.body).error, 'shutting_down', 'the route chose a JSON body');
  const b2 = await connect(h.port, '/b'); // the other route still takes upgrades
  await eventually(() => routeB!.count === 2, 'the second /b socket');

  routeB!.closeAll();
  assert.deepEqual(await refusedUpgrade(h.port, '/b'), { status: 503, retryAfter: '1', body: '' });
  for (const c of [b1, b2]) assert.equal((await c.closed).code, 1001);
  assert.equal(h.connections.total, 0);
});

test('frames: text and binary reach the route; past framesPerSec the route closes the socket and the frame is not handed over', async () => {
  let nowMs = 0;
  const sessions: Recorder[] = [];
  const h = await harness((http) => {
    http.websocket('/f', { ...BASE, framesPerSec: 2, now: () => nowMs }, recordingRoute(sessions));
  });
  const c = await connect(h.port, '/f');
  c.ws.send('one');
  c.ws.send(Buffer.from([1, 2]));
  await eventually(() => sessions[0]?.texts.length === 1 && sessions[0].binaries === 1, 'two frames');
  nowMs = 1000; // a new second: the count starts again
  c.ws.send('two');
  c.ws.send('three');
  c.ws.send('four');
  assert.deepEqual(await c.closed, { code: 1008, reason: 'Too many frames' });
  assert.deepEqual(sessions[0].texts, ['one', 'two', 'three']);
  assert.equal(sessions[0].tooMany, 1);
  assert.ok(sessions[0].closed);
});

test('without framesPerSec there is no frame limit and the clock is never read', async () => {
  const sessions: Recorder[] = [];
  let clockReads = 0;
  const h = await harness((http) => {
    http.websocket('/n', { ...BASE, framesPerSec: 0, now: () => ++clockReads }, recordingRoute(sessions));
  });
  const c = await connect(h.port, '/n');
  for (let i = 0; i < 50; i++) c.ws.send(String(i));
  await eventually(() => sessions[0]?.texts.length === 50, '50 frames');
  assert.equal(sessions[0].tooMany, 0);
  assert.equal(clockReads, 0);
  c.ws.close();
  await c.closed;
});

test('over the per-client connection cap the upgrade is refused 429 (empty body by default); a closed socket frees its slot', async () => {
  const sessions: Recorder[] = [];
  const h = await harness((http) => {
    http.websocket('/c', BASE, recordingRoute(sessions));
  }, 1);
  const first = await connect(h.port, '/c');
  assert.deepEqual(await refusedUpgrade(h.port, '/c'), { status: 429, retryAfter: '1', body: '' });
  assert.equal(sessions.length, 1, 'no session for the refused upgrade');
  first.ws.close();
  await first.closed;
  await eventually(() => sessions[0].closed, 'the close handler');
  const second = await connect(h.port, '/c');
  second.ws.close();
  await second.closed;
});
