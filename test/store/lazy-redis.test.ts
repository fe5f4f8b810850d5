import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';

const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((path) => path.includes('/node_modules/ioredis/'));

test('a server on the memory store never loads ioredis: the Redis backend is imported only with STORE=redis', async () => {
  const { createApp } = await import('../../src/app.ts');
  const { loadConfig } = await import('../../src/config.ts');
  const app = createApp(loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' }));
  await app.listen();
  await app.close();
  assert.equal(loaded(), false);
  await import('../../src/store/redis/index.ts');
  assert.equal(loaded(), true, 'the check can see it once it is loaded');
});
