import { test } from 'node:test';
import { RedisLoopStore } from '../../src/store/redis/loop.ts';
import { redisSkip, testConnection } from '../helpers/redis.ts';
import { runLoopStoreContract } from './loop-store-contract.ts';

const skip = redisSkip();
if (skip) test('the Redis loop store', { skip }, () => {});
else {
  // One connection for the file; every store the suite makes keeps its keys under a prefix of its own.
  const connection = await testConnection();
  let n = 0;
  runLoopStoreContract({
    name: 'redis loop store',
    make: (o) => new RedisLoopStore({ clock: o.clock, limits: o.limits, redis: { ...connection, prefix: `${connection.prefix}${n++}:` } }),
  });
}
