import { after, test } from 'node:test';
import { RedisCallStateStore } from '../../src/store/redis/call-state.ts';
import { FakeTime } from '../helpers/fake-time.ts';
import { redisSkip, settleCallStateEvents, testConnection } from '../helpers/redis.ts';
import { callStateStoreContract } from './call-state-contract.ts';
import { callStateStoreProperties } from './call-state-properties.ts';

const skip = redisSkip();
if (skip) test('the Redis call-state store', { skip }, () => {});
else {
  // One connection for the file; every store the suites make keeps its keys under a prefix of its own.
  const connection = await testConnection();
  let n = 0;
  const redis = () => ({ ...connection, prefix: `${connection.prefix}${n++}:` });
  const durationMs = 60_000;

  callStateStoreContract('redis', () => {
    const time = new FakeTime();
    const store = new RedisCallStateStore({ redis: redis(), clock: time, callDurationMs: durationMs });
    after(() => store.close());
    return { store, advance: async (ms) => time.advance(ms), durationMs, settle: () => settleCallStateEvents(store) };
  });

  // The model-based properties: fewer runs than the memory store's (each step is a few round trips here).
  callStateStoreProperties({
    name: 'redis',
    make: ({ callDurationMs, maxCalls }) => {
      const time = new FakeTime();
      const store = new RedisCallStateStore({ redis: redis(), clock: time, callDurationMs, maxCalls });
      return { store, advance: async (ms) => time.advance(ms), settle: () => settleCallStateEvents(store) };
    },
  }, 50);
}
