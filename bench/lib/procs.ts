import { execFileSync, spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';

/** Every child this run started, by PID, so that exit paths can end exactly those. */
const children = new Set<ChildProcess>();
let hooked = false;

function killAll(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  children.clear();
}

/** Ends every child we started when this process exits, fails or is interrupted. */
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      console.error(`\nbench: ${signal}, stopping the processes it started`);
      killAll();
      process.exit(130);
    });
  }
}

let tasksetWorks: boolean | undefined;

/** Whether `taskset -c <cpu>` can be used here (two or more cores and the tool present). */
export function canPin(cpu: number): boolean {
  if (os.cpus().length <= cpu) return false;
  if (tasksetWorks === undefined) {
    try {
      execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
      tasksetWorks = true;
    } catch {
      tasksetWorks = false;
    }
  }
  return tasksetWorks;
}

export interface SpawnOptions {
  readonly cpu: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly stdio?: StdioOptions;
  /** Extra node flags (after `--import tsx`, so they may name .ts files). */
  readonly nodeArgs?: readonly string[];
}

/**
 * Starts `node --import tsx <script>` pinned to one core. `taskset` execs
 * node, so the child's PID is the node process itself (what /proc sampling
 * needs); `tsx <script>` would put a wrapper process in between.
 */
export function spawnNode(script: string, args: readonly string[], o: SpawnOptions): ChildProcess {
  hookExit();
  const nodeArgs = ['--import', 'tsx', ...(o.nodeArgs ?? []), script, ...args];
  const pinned = canPin(o.cpu);
  const child = pinned
    ? spawn('taskset', ['-c', String(o.cpu), process.execPath, ...nodeArgs], { env: o.env ?? process.env, stdio: o.stdio ?? 'inherit' })
    : spawn(process.execPath, nodeArgs, { env: o.env ?? process.env, stdio: o.stdio ?? 'inherit' });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Stops one child we started: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system, all threads) a process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces: count fields after its closing ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime, stime (fields 14 and 15)
}

/** Resident memory of a process in bytes, from /proc/<pid>/status. */
export function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

/** Busy seconds (all but idle and iowait) of each core so far, from /proc/stat. */
function coreBusySeconds(): number[] {
  const out: number[] = [];
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const m = /^cpu(\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const t = m[2].trim().split(/\s+/).map(Number);
    const total = t.slice(0, 8).reduce((a, b) => a + b, 0); // user … steal (guest time is inside user)
    out[Number(m[1])] = (total - t[3] - t[4]) / CLK_TCK;
  }
  return out;
}

/** CPU use over a window, in % of one core: each process, and each of their cores. */
export interface CpuSample {
  /** Per process, in the order given. */
  readonly processPct: number[];
  /** Per core the processes are pinned to, in the same order: everything that ran there. */
  readonly corePct: number[];
}

/** Measures the CPU use of some pinned processes, and of their cores, between start() and stop(). */
export class CpuMeter {
  readonly #pids: readonly number[];
  readonly #cores: readonly number[];
  #startCpu: number[] = [];
  #startCores: number[] = [];
  #startWall = 0;
  constructor(pids: readonly number[], cores: readonly number[]) {
    this.#pids = pids;
    this.#cores = cores;
  }
  start(): void {
    this.#startWall = performance.now();
    this.#startCpu = this.#pids.map(cpuSeconds);
    this.#startCores = coreBusySeconds();
  }
  stop(): CpuSample {
    const wallSec = (performance.now() - this.#startWall) / 1000;
    const pct = (sec: number) => Math.round((sec / wallSec) * 1000) / 10;
    const cores = coreBusySeconds();
    return {
      processPct: this.#pids.map((pid, i) => pct(cpuSeconds(pid) - this.#startCpu[i])),
      corePct: this.#cores.map((core) => pct((cores[core] ?? 0) - (this.#startCores[core] ?? 0))),
    };
  }
}

/** A free TCP port on 127.0.0.1 (closed again before it is returned). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Waits until `url` answers (any status), polling; fails after `timeoutMs` or if `child` exits. */
export async function waitForHttp(url: string, child: ChildProcess, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${url}: the server exited (${child.exitCode ?? child.signalCode}) before answering`);
    try {
      const res = await fetch(url, { headers: { connection: 'close' }, signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${url}: no answer within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
