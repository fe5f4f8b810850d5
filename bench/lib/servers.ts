import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BenchOptions } from './options.ts';
import { freePort, spawnNode, stopChild, waitForHttp } from './procs.ts';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const BARE = fileURLToPath(new URL('./bare-server.ts', import.meta.url));
const GC_HOOK = fileURLToPath(new URL('./gc-on-signal.ts', import.meta.url));

/** A server under test, running as a pinned child process on 127.0.0.1. */
export interface ServerProcess {
  readonly pid: number;
  readonly port: number;
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

async function start(script: string, env: NodeJS.ProcessEnv, cpu: number, readyPath: string, nodeArgs: readonly string[] = []): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawnNode(script, [], {
    cpu,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'inherit', 'inherit'],
    nodeArgs,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(url + readyPath, child);
  return { pid: child.pid!, port, url, child, stop: () => stopChild(child) };
}

export interface SignalboxOptions {
  /** Extra environment (INBOX_CAPACITY, MAX_INBOXES, …) on top of the bench defaults. */
  readonly env?: Record<string, string>;
  /** Run with `--expose-gc` and a SIGWINCH → gc() hook (see gcNow), for memory figures. */
  readonly gcHook?: boolean;
}

/**
 * The node flags of package.json's `start` script (`exec node --import tsx <flags> src/main.ts`), read
 * from it so that the bench runs the server as `npm start` does whatever the flags become.
 */
function startFlags(): string[] {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } };
  const words = pkg.scripts.start.trim().split(/\s+/);
  const head = ['exec', 'node', '--import', 'tsx'];
  const flags = words.slice(head.length, -1);
  if (head.some((w, i) => words[i] !== w) || words[words.length - 1] !== 'src/main.ts' || flags.some((w) => !w.startsWith('--'))) {
    throw new Error(`bench: package.json's start script is not \`exec node --import tsx [--node-flags] src/main.ts\`: ${pkg.scripts.start}`);
  }
  return flags;
}

const START_FLAGS = startFlags();

/**
 * Starts `src/main.ts` exactly as `npm start` would (through tsx, with its flags), with
 * LOG_LEVEL=warn, a long INBOX_TTL so no inbox expires mid-run, room for
 * many inboxes, and per-client limits off (unless BENCH_SERVER_ENV says otherwise).
 */
export function startSignalbox(
  bench: Pick<BenchOptions, 'serverCpu' | 'cpuProfDir' | 'cpuProfIntervalUs' | 'serverFlags' | 'serverEnv'>, o: SignalboxOptions = {},
): Promise<ServerProcess> {
  // RATE_LIMITS=off: every load comes from 127.0.0.1, far beyond any per-client limit.
  // BENCH_SERVER_ENV comes last, so that a run can measure the limits with values that never trigger.
  const env = { LOG_LEVEL: 'warn', INBOX_TTL: '3600', MAX_INBOXES: '5000000', RATE_LIMITS: 'off', ...o.env, ...bench.serverEnv };
  const nodeArgs = [
    ...START_FLAGS,
    ...bench.serverFlags, // after START_FLAGS: a flag given twice takes its last value
    ...(o.gcHook ? ['--expose-gc', '--import', GC_HOOK] : []),
    ...(bench.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${bench.cpuProfDir}`, `--cpu-prof-interval=${bench.cpuProfIntervalUs}`] : []),
  ];
  return start(MAIN, env, bench.serverCpu, '/__lbheartbeat__', nodeArgs);
}

/** Starts the bare uWS app (one route, 204, no logic): the ceiling of this machine. */
export function startBare(cpu: number): Promise<ServerProcess> {
  return start(BARE, {}, cpu, '/');
}

/** Asks a server started with `gcHook` to run a full garbage collection; resolves after `settleMs`. */
export async function gcNow(server: ServerProcess, settleMs = 1000): Promise<void> {
  process.kill(server.pid, 'SIGWINCH');
  await new Promise((r) => setTimeout(r, settleMs));
}
