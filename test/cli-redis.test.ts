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
  const timed = async (env: Record<string, string>) => {
    const started = Date.now();
    const run = await runMain([], env);
    return { run, took: Date.now() - started };
  };
  // A control started at the same moment stops at its configuration: on a busy machine both pay the
  // same slow start, so the refusal's own wait is the difference between the two.
  const [{ run, took }, control] = await Promise.all([
    timed({ STORE: 'redis', SHARED_SECRET: SECRET, REDIS_URL: `redis://:hunter2@127.0.0.1:${port}`, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent' }),
    timed({ STORE: 'redis', HOST: '127.0.0.1', PORT: '0' }),
  ]);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /Redis at redis:\/\/:\(hidden\)@127\.0\.0\.1:\d+ did not answer within 5 s/);
  assert.ok(!run.stderr.includes('hunter2') && !run.stdout.includes('hunter2'));
  assert.equal(control.run.code, 2, control.run.stderr);
  assert.ok(took >= 5000, `refused after ${took} ms`);
  assert.ok(took - control.took < 15_000, `refused after ${took} ms, ${took - control.took} ms after a control that stops at its configuration`);
});

test('STORE=redis with Sentinels that do not answer stops start-up with status 2, naming them', { skip }, async () => {
  const port = await freePortForTests(); // nothing listens there
  const run = await runMain([], {
    STORE: 'redis', SHARED_SECRET: SECRET, REDIS_URL: 'redis://:hunter2@127.0.0.1:1', REDIS_SENTINELS: `127.0.0.1:${port}`, REDIS_SENTINEL_NAME: 'main',
    HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent',
  });
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, new RegExp(`Redis via Sentinels 127\\.0\\.0\\.1:${port} \\(main\\) did not answer within 5 s`));
  assert.ok(!run.stderr.includes('hunter2') && !run.stdout.includes('hunter2'));
});
