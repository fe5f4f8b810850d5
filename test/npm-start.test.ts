import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { eventually } from './helpers/eventually.ts';
import { basic } from './helpers/server.ts';

const ROOT = new URL('../', import.meta.url).pathname;
const startScript = (JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { scripts: { start: string } }).scripts.start;

test('npm start stopped by a SIGTERM to npm alone (as docker stop and many supervisors send it) stops signalbox gracefully', async () => {
  // In a process group of its own: a server that npm left behind is ended with the group at the end.
  const npm = spawn('npm', ['start', '--silent'], {
    cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: '0', HOST: '127.0.0.1', LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'], detached: true,
  });
  let stdout = '';
  let stderr = '';
  npm.stderr.on('data', (d) => (stderr += d));
  // 'exit', not 'close': a server left behind would hold the pipes open.
  const exited = new Promise<number | null>((resolve) => npm.on('exit', (code) => resolve(code)));
  const api = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line within 30 s:\n${stdout}\n${stderr}`)), 30_000);
    npm.stdout.on('data', (d) => {
      stdout += d;
      const m = /"api":"(http:\/\/127\.0\.0\.1:\d+\/)"/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });
  try {
    // A long-poll waiting when the signal comes is answered 204 by the stop (it would wait its 20 s otherwise).
    const poll = fetch(`${api}inbox?wait=20`, { headers: { authorization: basic('carol', 'pw') } }).catch(() => null);
    await eventually(async () => /^signalbox_long_polls_waiting 1$/m.test(await (await fetch(`${api}__metrics__`)).text()), 'the long-poll to wait', 5000);
    const signalled = Date.now();
    npm.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    const answer = await Promise.race([poll, new Promise<null>((r) => setTimeout(r, 5000, null))]);
    assert.equal(answer?.status, 204, 'the waiting long-poll was answered by the stop');
    assert.ok(Date.now() - signalled < 10_000, `stopped after ${Date.now() - signalled} ms`);
    assert.match(stdout, /"msg":"signalbox stopped"/);
    await assert.rejects(fetch(`${api}__lbheartbeat__`), 'nothing listens any more: no server left behind npm');
  } finally {
    try {
      process.kill(-npm.pid!, 'SIGKILL'); // npm's group: whatever is left of this run
    } catch {
      // all gone
    }
  }
});

test("the Docker image runs npm start's command, without npm", () => {
  const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(`${ROOT}Dockerfile`, 'utf8'))?.[1];
  assert.ok(cmd, 'the Dockerfile has a CMD in exec form');
  assert.deepEqual(['exec', ...(JSON.parse(cmd) as string[])], startScript.trim().split(/\s+/));
});
