import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { freePortForTests, ownRedisServer, redisSkip, testRedisUrl, uniquePrefix } from './helpers/redis.ts';
import { runMain, startMain, type RunningMain } from './helpers/main-process.ts';

const SECRET = 'a deployment secret of 32+ chars, the same on every node';
const skip = redisSkip();

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const apiOf = (main: RunningMain) => (main.lines.find((l) => String(l.msg).includes(' listening on '))!.urls as Record<string, string>).api;

test('STORE=redis without SHARED_SECRET stops start-up with status 2 and one line', async () => {
  const run = await runMain([], { STORE: 'redis', HOST: '127.0.0.1', PORT: '0' });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /^signalbox: SHARED_SECRET is required with STORE=redis/);
  assert.equal(run.stderr.trim().split('\n').length, 1);
});

test('STORE=redis with a Redis that does not answer stops start-up with status 2 within about 5 s, its password hidden', { skip }, async () => {
  const port = await freePortForTests(); // nothing listens there
  const started = Date.now();
  const run = await runMain([], {
    STORE: 'redis', SHARED_SECRET: SECRET, REDIS_URL: `redis://:hunter2@127.0.0.1:${port}`, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent',
  });
  const took = Date.now() - started;
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /Redis at redis:\/\/:\(hidden\)@127\.0\.0\.1:\d+ did not answer within 5 s/);
  assert.ok(!run.stderr.includes('hunter2') && !run.stdout.includes('hunter2'));
  assert.ok(took >= 5000 && took < 20_000, `refused after ${took} ms`);
});

test('two nodes on one Redis behave as one server: a message sent through one is read through the other', { skip }, async () => {
  const url = await testRedisUrl();
  const env = { STORE: 'redis', SHARED_SECRET: SECRET, REDIS_URL: url, KEY_PREFIX: uniquePrefix('cli'), HOST: '127.0.0.1', PORT: '0', RATE_LIMITS: 'off' };
  const [a, b] = await Promise.all([startMain(env), startMain(env)]);
  try {
    const listening = a.lines.find((l) => String(l.msg).includes(' listening on '))!;
    assert.match(String(listening.store), /^redis redis:\/\/127\.0\.0\.1:\d+ prefix sbtest:cli:/);
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
  } finally {
    const runs = await Promise.all([a.stop(), b.stop()]);
    for (const run of runs) assert.equal(run.code, 0, run.stderr);
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
