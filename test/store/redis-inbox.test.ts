import { after, test } from 'node:test';
import type { InboxStore } from '../../src/store/inbox.ts';
import { RedisInboxStore } from '../../src/store/redis/inbox.ts';
import { HOLD_MS } from '../../src/store/redis/inbox-lua.ts';
import { redisSkip, settleRedisEvents, testConnection } from '../helpers/redis.ts';
import { inboxStoreContract } from './inbox-store-contract.ts';
import { inboxStoreProperties } from './inbox-store-properties.ts';

const skip = redisSkip();
if (skip) test('the Redis inbox store', { skip }, () => {});
else {
  // One connection for the file; every store the suite makes keeps its keys under a prefix of its own.
  const connection = await testConnection();
  const prefixes = new Map<InboxStore, string>();
  let n = 0;
  inboxStoreContract('redis', (o) => {
    const prefix = `${connection.prefix}${n++}:`;
    const store = new RedisInboxStore({ ...o, redis: { ...connection, prefix } });
    prefixes.set(store, prefix);
    after(() => store.close());
    return store;
  }, (store) => settleRedisEvents(store, { ...connection, prefix: prefixes.get(store)! }));

  // The model-based properties too, with the holds of one-shot reads (fewer runs than the memory store's: 1-2 s here).
  inboxStoreProperties('redis', (o) => new RedisInboxStore({ ...o, redis: { ...connection, prefix: `${connection.prefix}${n++}:` } }), { holdMs: HOLD_MS, numRuns: 120 });
}
