import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface MainRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunningMain {
  readonly pid: number;
  /** JSON log lines so far (stdout). */
  readonly lines: Record<string, unknown>[];
  readonly output: () => string;
  /** SIGTERM, then resolves with everything printed once the process exited. */
  stop(): Promise<MainRun>;
}

/** How the server process is started: as `npm start` does (tsx), or from the bundle of test/run.mjs. */
export type MainEntry = 'tsx' | 'bundle';

/**
 * The server's entry: src/main.ts through tsx, as `npm start` runs it, or the bundle of it that
 * test/run.mjs builds (SIGNALBOX_TEST_MAIN: the same code, started in a third of the CPU time).
 */
function entryArgs(entry: MainEntry): string[] {
  const bundle = process.env.SIGNALBOX_TEST_MAIN;
  return entry === 'bundle' && bundle ? ['--enable-source-maps', bundle] : ['--import', 'tsx', 'src/main.ts'];
}

function spawnMain(args: readonly string[], env: Record<string, string>, entry: MainEntry = 'bundle') {
  // Only what the server needs from this environment: the settings under test come from `env` alone.
  const base = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' };
  return spawn(process.execPath, [...entryArgs(entry), ...args], { cwd: ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs `npm start -- args` (without npm) to its end, at most `timeoutMs`. */
export function runMain(args: readonly string[], env: Record<string, string> = {}, timeoutMs = 30_000): Promise<MainRun> {
  const child = spawnMain(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => child.on('close', (code) => (clearTimeout(timer), resolve({ code, stdout, stderr }))));
}

/** Starts the server process and resolves once it logged that it listens (JSON logs), at most `timeoutMs`. */
export function startMain(env: Record<string, string>, args: readonly string[] = [], timeoutMs = 30_000, entry: MainEntry = 'bundle'): Promise<RunningMain> {
  const child = spawnMain(args, { LOG_FORMAT: 'json', ...env }, entry);
  const lines: Record<string, unknown>[] = [];
  let stdout = '';
  let stderr = '';
  let pending = '';
  const exited = new Promise<MainRun>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`no listening line within ${timeoutMs} ms:\n${stdout}\n${stderr}`))), timeoutMs);
    void exited.then((r) => (clearTimeout(timer), reject(new Error(`exited ${r.code} before listening:\n${r.stdout}\n${r.stderr}`))));
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
      pending += d;
      let nl;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        try {
          lines.push(JSON.parse(line));
        } catch {
          lines.push({ raw: line });
        }
        if (String(lines.at(-1)?.msg ?? '').includes(' listening on ')) {
          clearTimeout(timer);
          resolve({
            pid: child.pid!,
            lines,
            output: () => stdout + stderr,
            stop: () => (child.kill('SIGTERM'), exited),
          });
        }
      }
    });
  });
}
