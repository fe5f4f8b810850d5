import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import pino from 'pino';
import { connectRedis } from '../../src/store/redis/connection.ts';
import { redisBackend } from '../../src/store/redis/index.ts';
import { CLUSTER_SECRET } from '../helpers/cluster.ts';
import { redisSkip, testRedisUrl, uniquePrefix } from '../helpers/redis.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { A, B, basicAuth, fromAddress } from './from-address.ts';

const skip = redisSkip();

/** `n` nodes on one Redis prefix, per-client limits on. */
async function nodes(n: number, env: Record<string, string>): Promise<TestServer[]> {
  const url = await testRedisUrl();
  const prefix = uniquePrefix('limits');
  const out: TestServer[] = [];
  for (let i = 0; i < n; i++) {
    const redis = await connectRedis({ url, prefix, log: pino({ level: 'silent' }) });
    const server = await startServer({ STORE: 'redis', REDIS_URL: url, KEY_PREFIX: prefix, SHARED_SECRET: CLUSTER_SECRET, RATE_LIMITS: 'on', ...env }, { redis: redisBackend(redis) });
    after(async () => {
      await server.close();
      await redis.close();
    });
    out.push(server);
  }
  return out;
}

const get = (s: TestServer, name: string, from = A) => fromAddress(s, '/inbox', { from, headers: basicAuth(name) });

test('STORE=redis: the new-inbox limit of an address holds across nodes, not per node', { skip }, async () => {
  const [a, b] = await nodes(2, { RATE_LIMIT_NEW_INBOXES: '3' });
  assert.equal((await get(a, 'x1')).status, 204);
  assert.equal((await get(b, 'x2')).status, 204);
  assert.equal((await get(a, 'x3')).status, 204);
  const refused = await get(b, 'x4');
  assert.equal(refused.status, 429, 'the fourth new inbox of the minute, whichever node');
  assert.equal((refused.json as { error: string }).error, 'rate_limited');
  assert.equal((await get(a, 'x5')).status, 429);
  assert.equal((await get(b, 'y1', B)).status, 204, 'another address has its own count');
});

test('STORE=redis: the Loop registration limit of an address holds across nodes', { skip }, async () => {
  const [a, b] = await nodes(2, { RATE_LIMIT_REGISTRATIONS: '2' });
  const register = (s: TestServer) => fromAddress(s, '/registration', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal((await register(a)).status, 200);
  assert.equal((await register(b)).status, 200);
  assert.equal((await register(a)).status, 429);
  assert.equal((await register(b)).status, 429);
});
