import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { ownRedisServer, redisSkip, redisUserUrl, testRedisUrl, uniquePrefix } from './helpers/redis.ts';
import { startMain, type RunningMain } from './helpers/main-process.ts';

const SECRET = 'a deployment secret of 32+ chars, the same on every node';
const skip = redisSkip();

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const apiOf = (main: RunningMain) => (main.lines.find((l) => String(l.msg).includes(' listening on '))!.urls as Record<string, string>).api;

test('two nodes on one Redis behave as one server: a message sent through one is read through the other; a node started after both stopped serves what was queued', { skip }, async () => {
  const url = await testRedisUrl();
  const env = { STORE: 'redis', SHARED_SECRET: SECRET, REDIS_URL: url, KEY_PREFIX: uniquePrefix('cli'), HOST: '127.0.0.1', PORT: '0', RATE_LIMITS: 'off' };
  const [a, b] = await Promise.all([startMain(env), startMain(env)]);
  try {
    const listening = a.lines.find((l) => String(l.msg).includes(' listening on '))!;
    assert.match(String(listening.store), /^redis redis:\/\/127\.0\.0\.1:\d+ prefix sbtest:cli:/);
    assert.ok(a.lines.some((l) => String(l.msg).includes('operations run as Redis functions')));
    const [apiA, apiB] = [apiOf(a), apiOf(b)];
    // alice's inbox is made on node B; bob sends through node A
    assert.equal((await fetch(`${apiB}inbox`, { headers: { authorization: basic('alice', 'pw-a') } })).status, 204);
    const sent = await fetch(`${apiA}inbox?to=alice`, { method: 'POST', headers: { authorization: basic('bob', 'pw-b'), 'content-type': 'text/plain' }, body: 'offer' });
    assert.equal(sent.status, 204);
    const read = await fetch(`${apiB}inbox`, { headers: { authorization: basic('alice', 'pw-a') } });
    assert.equal(read.status, 200);
    assert.equal(read.headers.get('x-from'), 'bob');
    assert.equal(await read.text(), 'offer');
    // the password set through B is checked on A
    assert.equal((await fetch(`${apiA}inbox`, { headers: { authorization: basic('alice', 'wrong') } })).status, 401);
    // queued now, read after every node has restarted
    const later = await fetch(`${apiA}inbox?to=alice`, { method: 'POST', headers: { authorization: basic('bob', 'pw-b'), 'content-type': 'text/plain' }, body: 'answer' });
    assert.equal(later.status, 204);
  } finally {
    const runs = await Promise.all([a.stop(), b.stop()]);
    for (const run of runs) assert.equal(run.code, 0, run.stderr);
  }
  const c = await startMain(env);
  try {
    const read = await fetch(`${apiOf(c)}inbox`, { headers: { authorization: basic('alice', 'pw-a') } });
    assert.equal(read.status, 200, 'a node started afterwards serves what Redis holds');
    assert.equal(await read.text(), 'answer');
  } finally {
    assert.equal((await c.stop()).code, 0);
  }
});

test('a Redis user without functions gets a warning at start, and a node that works on EVAL scripts', { skip }, async () => {
  const url = await redisUserUrl(['-function', '-fcall', '-fcall_ro']);
  const main = await startMain({ STORE: 'redis', SHARED_SECRET: SECRET, REDIS_URL: url, KEY_PREFIX: uniquePrefix('cli'), HOST: '127.0.0.1', PORT: '0' });
  try {
    assert.ok(main.lines.some((l) => String(l.msg).includes('Redis refused FUNCTION LOAD')), JSON.stringify(main.lines));
    assert.equal((await fetch(`${apiOf(main)}inbox`, { headers: { authorization: basic('carol', 'pw-c') } })).status, 204);
  } finally {
    assert.equal((await main.stop()).code, 0);
  }
});

test('a Redis that may evict keys gets a warning at start', { skip }, async () => {
  const server = await ownRedisServer();
  const admin = new Redis(server.url);
  try {
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
    const main = await startMain({ STORE: 'redis', SHARED_SECRET: SECRET, REDIS_URL: server.url, HOST: '127.0.0.1', PORT: '0' });
    const run = await main.stop();
    assert.equal(run.code, 0, run.stderr);
    const warning = main.lines.find((l) => String(l.msg).includes('maxmemory-policy is allkeys-lru'));
    assert.ok(warning, run.stdout);
  } finally {
    admin.disconnect();
    await server.stop();
  }
});
