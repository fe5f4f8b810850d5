import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import { basic, startServer } from '../helpers/server.ts';

function captured() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({ write(chunk, _enc, done) { lines.push(JSON.parse(String(chunk))); done(); } });
  return { lines, logger: pino({ level: 'info' }, stream) };
}

test('ACCESS_LOG: one line per request with method, route, status, duration, bytes and client; no credentials, no body', async () => {
  const { lines, logger } = captured();
  const server = await startServer({ ACCESS_LOG: '1' }, { logger });
  try {
    const auth = { authorization: basic('access-log-user', 'access-log-password') };
    assert.equal((await fetch(`${server.url}/inbox`, { headers: auth })).status, 204);
    const post = await fetch(`${server.url}/inbox?to=access-log-user`, { method: 'POST', headers: auth, body: 'secret body text' });
    assert.equal(post.status, 204);
    const got = await fetch(`${server.url}/inbox`, { headers: auth });
    assert.equal(await got.text(), 'secret body text');
    assert.equal((await fetch(`${server.url}/v1/nowhere`)).status, 404);
  } finally {
    await server.close();
  }
  const access = lines.filter((l) => l.log === 'access');
  assert.deepEqual(access.map((l) => [l.method, l.status, l.bytes]), [['GET', 204, 0], ['POST', 204, 0], ['GET', 200, 16], ['GET', 404, access[3]?.bytes]]);
  assert.ok((access[3].bytes as number) > 0);
  for (const l of access) {
    assert.equal(l.client, '127.0.0.1');
    assert.equal(typeof l.ms, 'number');
    assert.equal(typeof l.route, 'string');
  }
  const all = JSON.stringify(lines);
  for (const leak of ['access-log-password', 'secret body text', basic('access-log-user', 'access-log-password').slice(6)]) {
    assert.ok(!all.includes(leak), leak);
  }
});

test('without ACCESS_LOG no request is logged', async () => {
  const { lines, logger } = captured();
  const server = await startServer({}, { logger });
  try {
    await fetch(`${server.url}/inbox`, { headers: { authorization: basic('quiet-user', 'pw') } });
  } finally {
    await server.close();
  }
  assert.deepEqual(lines.filter((l) => l.log === 'access'), []);
});
