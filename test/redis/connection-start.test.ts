import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import pino from 'pino';
import { connectRedis } from '../../src/store/redis/connection.ts';
import { openRedisBackend } from '../../src/store/redis/index.ts';
import { redisSkip, redisUserUrl, testRedisUrl, uniquePrefix } from '../helpers/redis.ts';

const skip = redisSkip();

test('a database number Redis does not have (past its `databases`) refuses the start, instead of working in database 0', { skip }, async () => {
  const url = await testRedisUrl();
  await assert.rejects(
    connectRedis({ url: `${url}/99`, prefix: uniquePrefix('db'), log: pino({ level: 'silent' }), startTimeoutMs: 3000 }),
    /Redis at redis:\/\/127\.0\.0\.1:\d+\/99 refused database 99 of the URL: ERR DB index is out of range/,
  );
  // The control: a database Redis has is used.
  const connection = await connectRedis({ url: `${url}/3`, prefix: uniquePrefix('db'), log: pino({ level: 'silent' }) });
  after(() => connection.close());
  await connection.cmd.set(`${connection.prefix}probe`, '1', 'PX', 10_000);
  assert.match(await connection.cmd.info('keyspace'), /^db3:keys=/m);
});

test('a Redis user without EVAL gets a warning at start (the creation limits would count per node); with EVAL, none', { skip }, async () => {
  const warnings = async (url: string) => {
    const lines: { level: number; msg: string }[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const backend = await openRedisBackend({ url, prefix: uniquePrefix('eval'), log });
    await backend.close();
    return lines.filter((l) => l.level === 40 && l.msg.startsWith('Redis refused EVAL: the per-client creation limits'));
  };
  assert.equal((await warnings(await redisUserUrl(['-eval', '-evalsha']))).length, 1);
  assert.deepEqual(await warnings(await redisUserUrl([])), []);
});

test('a user that may not read maxmemory-policy (CONFIG refused) gets a warning at start', { skip }, async () => {
  const lines: { level: number; msg: string }[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const connection = await connectRedis({ url: await redisUserUrl(['-config']), prefix: uniquePrefix('cfg'), log });
  after(() => connection.close());
  assert.ok(lines.some((l) => l.level === 40 && /could not read Redis maxmemory-policy/.test(l.msg)), JSON.stringify(lines));
});
