// The churning reader of inbox-churn.test.ts on two nodes of one Redis, each on its own connection and
// stores: a message taken for a reader that went away is held until it is back at the head.
import { test } from 'node:test';
import { redisSkip } from '../helpers/redis.ts';

const skip = redisSkip();
if (skip) test('the churning reader on Redis', { skip }, () => {});
else {
  process.env.CLUSTER_STORE = 'redis';
  await import('./inbox-churn.test.ts');
}
