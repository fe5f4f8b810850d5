import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Redis } from 'ioredis';
import { StoreError } from '../../src/store/errors.ts';
import { RedisInboxStore } from '../../src/store/redis/inbox.ts';
import { freePortForTests, redisSkip, testConnection } from '../helpers/redis.ts';

const skip = redisSkip();
const limits = { inboxTtlMs: 60_000, inboxCapacity: 10, maxInboxes: 100, maxQueuedBytes: 1 << 20 };

test('a claim whose subscription cannot be made (subscriber connection down) fails within the command timeout, as a StoreError', { skip }, async () => {
  const connection = await testConnection();
  // The subscriber points at a port where nothing listens: its SUBSCRIBE waits in its offline queue.
  const deadSub = new Redis(`redis://127.0.0.1:${await freePortForTests()}`, { lazyConnect: true, retryStrategy: () => 200 });
  deadSub.on('error', () => {});
  after(() => deadSub.disconnect());
  const store = new RedisInboxStore({ ...limits, redis: { ...connection, sub: deadSub } });
  after(() => store.close());
  assert.equal(await store.open('a', 's', true), 'created');
  store.watch('a', () => {});
  const started = Date.now();
  await assert.rejects(store.claim('a', 5_000), (err) => err instanceof StoreError && /subscribe/.test(err.message));
  const took = Date.now() - started;
  assert.ok(took >= 900 && took < 2000, `failed after ${took} ms`);
});

test('every operation on a closed connection fails as a StoreError (the surfaces answer 503), and ping answers false', { skip }, async () => {
  const connection = await testConnection();
  const store = new RedisInboxStore({ ...limits, redis: connection });
  after(() => store.close());
  assert.equal(await store.open('a', 's', true), 'created');
  connection.cmd.disconnect();
  const message = { from: 'b', contentType: 'text/plain', body: Buffer.from('x') };
  for (const [name, call] of [
    ['open', () => store.open('a', 's', true)], ['readOnce', () => store.readOnce('a', 's')], ['exists', () => store.exists('a')],
    ['send', () => store.send('a', message)], ['sendFrom', () => store.sendFrom('s', 'a', message)], ['take', () => store.take('a')],
    ['giveBack', () => store.giveBack('a', message)], ['remove', () => store.remove('a', 's')], ['claim', () => store.claim('a', 1000)],
    ['renew', () => store.renew('a', 1, 1000)], ['unclaim', () => store.unclaim('a', 1)], ['sweep', () => store.sweep()], ['stats', () => store.stats()],
  ] as const) {
    await assert.rejects((call as () => Promise<unknown>)(), (err) => err instanceof StoreError && err.code === 'storage_unavailable', name);
  }
  assert.equal(await store.ping(), false);
});
