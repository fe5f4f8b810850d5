// The cross-app tests of inbox.test.ts again, each app on its own connection to one Redis and its own
// Redis stores (events through Redis's channels), as the nodes of a deployment.
import { test } from 'node:test';
import { redisSkip } from '../helpers/redis.ts';

const skip = redisSkip();
if (skip) test('the cross-app tests of inbox.test.ts on Redis', { skip }, () => {});
else {
  process.env.CLUSTER_STORE = 'redis';
  await import('./inbox.test.ts');
}
