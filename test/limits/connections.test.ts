import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, test } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.ts';
import { A, basicAuth, fromAddress, rawUntilClosed } from './from-address.ts';

const servers: TestServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

async function server(env: Record<string, string> = {}): Promise<TestServer> {
  const s = await startServer({ RATE_LIMITS: 'on', ...env });
  servers.push(s);
  return s;
}

const auth = (name: string) => `Authorization: ${basicAuth(name).Authorization}\r\n`;
const getInbox = (name: string, extra = '') => `GET /inbox HTTP/1.1\r\nHost: x\r\n${auth(name)}${extra}\r\n`;
const postInbox = (from: string, to: string, body: string) =>
  `POST /inbox?to=${to} HTTP/1.1\r\nHost: x\r\n${auth(from)}Content-Length: ${body.length}\r\n\r\n${body}`;

test('1,000 idle connections (silent, or idle after one request) are closed by the server within 20 s', { timeout: 30_000 }, async () => {
  const s = await server();
  const sockets: Socket[] = [];
  const closedAt: Promise<number>[] = [];
  const started = Date.now();
  for (let i = 0; i < 1000; i++) {
    const socket = connect({ host: '127.0.0.1', port: s.port, localAddress: A });
    socket.on('error', () => {});
    socket.resume();
    // 300 send one request (the burst of the requests/s limit is 400) and then idle; 700 never send a byte.
    if (i < 300) socket.once('connect', () => socket.write('OPTIONS /inbox HTTP/1.1\r\nHost: x\r\n\r\n'));
    sockets.push(socket);
    closedAt.push(new Promise((resolve) => socket.once('close', () => resolve(Date.now() - started))));
  }
  const deadline = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 20_000).unref());
  const outcome = await Promise.race([Promise.all(closedAt), deadline]);
  for (const socket of sockets) socket.destroy();
  assert.notEqual(outcome, 'timeout', 'every idle connection was closed by the server');
  const times = outcome as number[];
  // uWS closes idle HTTP connections after ~10 s (its timer ticks every 4 s): none went early.
  assert.ok(Math.min(...times) >= 7000, `closed no earlier than ~8 s (first at ${Math.min(...times)} ms)`);
  // The server still answers at once.
  assert.equal((await fromAddress(s, '/inbox', { method: 'OPTIONS' })).status, 204);
});

test('pipelined requests are handled one at a time, in order (each sees the one before)', async () => {
  const s = await server();
  const raw = await rawUntilClosed(
    s,
    getInbox('pipe') + postInbox('pipe-2', 'pipe', 'one') + getInbox('pipe', 'Connection: close\r\n'),
  );
  const statuses = [...raw.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
  assert.deepEqual(statuses, [204, 204, 200]);
  assert.match(raw, /\r\n\r\none$/, 'the third request read what the second queued');
});

test('a request pipelined behind a pending long-poll: uWS closes the connection; the poll is released, no message lost', async () => {
  const s = await server();
  const raw = await rawUntilClosed(s, getInbox('held', 'Prefer: wait=10\r\n') + getInbox('other'));
  assert.equal(raw, '', 'neither request was answered: uWS refuses async pipelining by closing');
  // The aborted long-poll left no reader behind: a message sent now stays queued for the next GET.
  const sent = await fromAddress(s, '/inbox?to=held', { method: 'POST', headers: basicAuth('sender'), body: 'kept' });
  assert.equal(sent.status, 204);
  const read = await fromAddress(s, '/inbox', { headers: basicAuth('held') });
  assert.equal(read.status, 200);
  assert.equal(read.text, 'kept');
  assert.equal(s.app.limits.gate?.connections?.total, 0, 'the aborted poll gave its connection slot back');
});
