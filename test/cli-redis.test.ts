import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freePortForTests, redisSkip } from './helpers/redis.ts';
import { runMain } from './helpers/main-process.ts';

const SECRET = 'a deployment secret of 32+ chars, the same on every node';
const skip = redisSkip();


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
