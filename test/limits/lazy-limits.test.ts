import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import { SAMPLE_EVERY } from '../../src/limits/request-rate.ts';
import type { TestServer } from '../helpers/server.ts';
import { A, B, basicAuth, fromAddress, rawUntilClosed, limitedServers } from './from-address.ts';

// The limits read a request's address only when a check needs it (see ClientGate):
// these are the cases where that could have let a client through.

const server = limitedServers();

test('a pipelined flood with a limit large enough to be sampled: the burst passes (give or take one gap), then 429s; other addresses unaffected', async () => {
  // 50/s, burst 100: more than the 2 × SAMPLE_EVERY margin, so requests are charged 1 in about SAMPLE_EVERY until the client nears its limit.
  const s = await server({ RATE_LIMIT_REQUESTS: '50' });
  assert.ok(100 > 2 * SAMPLE_EVERY, 'the limit is in the sampled regime');
  const gap = 2 * SAMPLE_EVERY - 1;
  const n = 400;
  const one = 'OPTIONS /inbox HTTP/1.1\r\nHost: x\r\n\r\n';
  const started = Date.now();
  const raw = await rawUntilClosed(s, one.repeat(n - 1) + 'OPTIONS /inbox HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', A, 5000);
  const elapsedSec = (Date.now() - started) / 1000;
  const statuses = [...raw.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
  assert.equal(statuses.length, n, 'every request was answered');
  const passed = statuses.filter((x) => x === 204).length;
  assert.equal(passed + statuses.filter((x) => x === 429).length, n);
  assert.ok(passed >= 100 - gap, `the burst passes (${passed})`);
  assert.ok(passed <= 100 + gap + Math.ceil(elapsedSec * 50), `no more than burst + one gap + rate × time (${passed} in ${elapsedSec} s)`);
  const firstRefused = statuses.indexOf(429);
  assert.ok(statuses.slice(firstRefused).filter((x) => x === 204).length <= Math.ceil(elapsedSec * 50) + 1, 'after the first 429, only the rate passes');
  assert.equal((await fromAddress(s, '/inbox', { method: 'OPTIONS', from: B })).status, 204);
});

/** A long-poll that resolves with its status (or -1 when the connection failed); `abort` drops it. */
function longPoll(s: TestServer, name: string, from = A): { answer: Promise<{ status: number; error: string }>; abort(): void } {
  const req = request({ host: '127.0.0.1', port: s.port, path: '/inbox?wait=10', headers: basicAuth(name), localAddress: from, agent: false });
  const answer = new Promise<{ status: number; error: string }>((resolve) => {
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, error: text ? JSON.parse(text).error : '' }));
    });
    req.on('error', () => resolve({ status: -1, error: '' }));
  });
  req.end();
  return { answer, abort: () => req.destroy() };
}

test('long-polls sent all at once past MAX_CONNECTIONS_PER_CLIENT: as many as the cap stay, the others get 429 too_many_connections', async () => {
  const s = await server({ MAX_CONNECTIONS_PER_CLIENT: '3' });
  const counter = s.app.limits.gate!.connections!;
  const polls = Array.from({ length: 8 }, (_, i) => longPoll(s, `burst-${i}`));
  const answered: { status: number; error: string }[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${answered.length} answered within 3 s`)), 3000);
    for (const p of polls) {
      void p.answer.then((a) => {
        answered.push(a);
        if (answered.length === 5) {
          clearTimeout(timer);
          resolve();
        }
      });
    }
  });
  for (const a of answered) assert.deepEqual(a, { status: 429, error: 'too_many_connections' });
  assert.equal(counter.of(A), 3);
  assert.equal(counter.total, 3);
  assert.equal(answered.length, 5, 'the three in their slots still wait');
  assert.equal((await fromAddress(s, '/inbox', { headers: basicAuth('other'), from: B })).status, 204, 'another address is not affected');
  for (const p of polls) p.abort();
  const end = Date.now() + 3000;
  const total = (): number => counter.total;
  while (total() !== 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
  assert.equal(total(), 0, 'aborted polls gave their slots back');
  assert.equal(counter.of(A), 0);
});
