// The cross-app inbox tests of inbox.test.ts again, each app on its own connection to one Redis
// (its own Redis inbox store, events through Redis's channels), as the nodes of a deployment.
import { test } from 'node:test';
import { redisSkip } from '../helpers/redis.ts';

const skip = redisSkip();
if (skip) test('the cross-app inbox tests on Redis', { skip }, () => {});
else {
  process.env.CLUSTER_INBOX_STORE = 'redis';
  await import('./inbox.test.ts');
}
