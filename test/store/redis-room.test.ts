import { after, test } from 'node:test';
import type { RedisConnection } from '../../src/store/redis/connection.ts';
import { RedisLoopRoomStore } from '../../src/store/redis/rooms.ts';
import { FakeTime } from '../helpers/fake-time.ts';
import { redisSkip, testConnection } from '../helpers/redis.ts';
import { roomJoinContract } from './room-join-contract.ts';
import { runRoomStoreContract } from './room-store-contract.ts';
import { redisRoomCases } from './redis-room-cases.ts';

const skip = redisSkip();
if (skip) test('the Redis room store', { skip }, () => {});
else {
  // One connection for the file; every store the suites make keeps its keys under a prefix of its own.
  const connection = await testConnection();
  let n = 0;
  const fresh = (): RedisConnection => ({ ...connection, prefix: `${connection.prefix}${n++}:` });

  runRoomStoreContract({ name: 'redis room store', make: (o) => new RedisLoopRoomStore({ clock: o.clock, redis: fresh() }) });

  roomJoinContract('redis', () => {
    const time = new FakeTime();
    const store = new RedisLoopRoomStore({ clock: time, redis: fresh() });
    after(() => store.close());
    return { store, advance: async (ms) => time.advance(ms) };
  });

  redisRoomCases(connection, fresh);
}
