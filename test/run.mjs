// Runs every *.test.ts under test/ with node:test through tsx; TEST_BUNDLE=1 bundles them first
// (helpers/bundle-tests.mjs: a shorter run, see the README). With --typecheck (npm test), the
// type check of src, test, bench and the demo runs alongside and its failure fails the run.
// Node 20's test runner does not expand globs, and `node --test` sorts its files: the list, and
// its order, are made here (helpers/run-files.mjs runs them).
// Usage: node test/run.mjs [--typecheck] [substring-filter...]
import { spawn } from 'node:child_process';
import { readdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { bundleTests } from './helpers/bundle-tests.mjs';
import { haveRedisServer, startRedisServer } from './helpers/redis-server.mjs';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const typecheck = args.includes('--typecheck');
const filters = args.filter((a) => a !== '--typecheck');

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'artifacts' ? [] : walk(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Runs a process to its end: its exit status, and its output when `capture` (else it goes to ours). */
function run(command, argv, { capture = false, env = process.env } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, argv, { cwd: root, env, stdio: ['ignore', capture ? 'pipe' : 'inherit', capture ? 'pipe' : 'inherit'] });
    let output = '';
    child.stdout?.on('data', (d) => (output += d));
    child.stderr?.on('data', (d) => (output += d));
    child.on('close', (code, signal) => resolve({ code: code ?? 1, signal, output }));
  });
}

/** `npm run typecheck` (the main project and the demo's); its output is printed at the end. */
async function typeCheck() {
  const { code, output } = await run('npm', ['run', '--silent', 'typecheck'], { capture: true });
  return { ok: code === 0, output };
}

/**
 * Files that keep a core busy for long (Chromium, the soaks, the fuzzers), longest first. They are
 * spread over the run instead of starting together (alphabetical order put the three Chromium
 * files side by side at the start, starving every other file for over a minute).
 */
const HEAVY = [/^test\/browser\//, /soak\.test\.ts$/, /^test\/fuzz\//];

/**
 * `sorted` with its heavy files moved to evenly spaced places over the first three quarters of the
 * run (so the last one does not finish alone), the longest first.
 */
function spreadHeavy(sorted) {
  const rank = (f) => HEAVY.findIndex((re) => re.test(f));
  const heavy = sorted.filter((f) => rank(f) >= 0).sort((a, b) => rank(a) - rank(b));
  const light = sorted.filter((f) => rank(f) < 0);
  const out = [];
  let placed = 0;
  heavy.forEach((f, i) => {
    const upTo = Math.round((i * 0.75 * light.length) / heavy.length);
    out.push(...light.slice(placed, upTo), f);
    placed = upTo;
  });
  return [...out, ...light.slice(placed)];
}

/** Removes the bundles of earlier runs that were stopped before they could (their process is gone). */
function removeStaleBundles() {
  let names = [];
  try {
    names = readdirSync(join(root, '.test-build'));
  } catch {
    return;
  }
  for (const name of names) {
    try {
      process.kill(Number(name), 0);
    } catch (err) {
      if (err.code === 'ESRCH' || !/^\d+$/.test(name)) rmSync(join(root, '.test-build', name), { recursive: true, force: true });
    }
  }
}

const files = spreadHeavy(
  walk(join(root, 'test'))
    .map((f) => relative(root, f))
    .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
    .sort(),
);
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const types = typecheck ? typeCheck() : undefined;
removeStaleBundles();
// One directory per run: two runs in one checkout do not share one.
const outdir = join('.test-build', String(process.pid));
const bundled = process.env.TEST_BUNDLE === '1';
const loader = bundled ? ['--enable-source-maps'] : ['--import', 'tsx'];
// The server's entry is bundled with them, for the tests that start it as a process (helpers/main-process.ts).
const targets = bundled ? await bundleTests(root, [...files, 'src/main.ts'], outdir) : files;
const mainBundle = bundled ? join(root, targets.pop()) : undefined;
// One private Redis for the whole run (each test file keeps its keys under a prefix of its own);
// the Redis tests skip without redis-server, except in CI, where .ci/run installs it.
let redis = null;
if (process.env.REDIS_TEST_URL === undefined && haveRedisServer()) redis = await startRedisServer();
else if (process.env.REDIS_TEST_URL === undefined && process.env.CI) {
  console.error('redis-server is not installed: the Redis store tests cannot run (apt-get install redis-server)');
  process.exit(1);
}
const runner = join(root, 'test', 'helpers', 'run-files.mjs');
const tests = await run(process.execPath, [...loader, runner, process.env.TEST_CONCURRENCY ?? '4', ...targets], {
  env: {
    ...process.env,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    ...(redis ? { REDIS_TEST_URL: redis.url } : {}),
    ...(mainBundle ? { SIGNALBOX_TEST_MAIN: mainBundle } : {}),
  },
});
await redis?.stop();
if (bundled) {
  rmSync(join(root, outdir), { recursive: true, force: true });
  try {
    rmdirSync(join(root, '.test-build')); // unless another run is using it
  } catch {}
}
let failed = tests.code !== 0;
if (types) {
  const { ok, output } = await types;
  if (!ok) {
    console.error(`\ntype check failed (npm run typecheck):\n${output}`);
    failed = true;
  } else console.log('type check passed (src, test, bench, scripts and the demo)');
}
process.exit(failed ? 1 : 0);
