// Runs every *.test.ts under test/ with node:test through tsx.
// Node 20's --test does not expand globs, so the list is built here.
// Usage: node test/run.mjs [substring-filter...]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { haveRedisServer, startRedisServer } from './helpers/redis-server.mjs';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'artifacts' ? [] : walk(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

const files = walk(join(root, 'test'))
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// One private Redis for the whole run (each test file keeps its keys under a prefix of its own);
// the Redis tests skip without redis-server, except in CI, where .ci/run installs it.
let redis = null;
if (process.env.REDIS_TEST_URL === undefined && haveRedisServer()) redis = await startRedisServer();
else if (process.env.REDIS_TEST_URL === undefined && process.env.CI) {
  console.error('redis-server is not installed: the Redis store tests cannot run (apt-get install redis-server)');
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-timeout=120000', `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 4}`, ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent', ...(redis ? { REDIS_TEST_URL: redis.url } : {}) },
});
await redis?.stop();
process.exit(result.status ?? 1);
