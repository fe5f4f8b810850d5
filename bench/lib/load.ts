import { fileURLToPath } from 'node:url';
import type { LoadMessage, LoadResult, LoadSpec } from './load-types.ts';
import { CpuMeter, spawnNode, stopChild } from './procs.ts';

const LOADGEN = fileURLToPath(new URL('./loadgen.ts', import.meta.url));

/** CPU use during the measured window, in % of one core. */
export interface CpuUse {
  readonly serverPct: number;
  readonly loadPct: number;
  /** What other processes (other work on the machine) used of the server's and the generator's cores. */
  readonly othersOnServerCorePct: number;
  readonly othersOnLoadCorePct: number;
}

/** The cores the server and the load generator are pinned to. */
export interface Cores {
  readonly serverCpu: number;
  readonly loadCpu: number;
}

export interface Measured {
  readonly result: LoadResult;
  readonly cpu: CpuUse;
}

/**
 * Runs one load in a fresh load-generator process pinned to `cores.loadCpu`, and
 * samples its CPU use and the server's over the measured window only.
 * Bounded: the generator is killed if it runs `timeoutSec` past its duration.
 */
export function runLoad(spec: LoadSpec, serverPid: number, cores: Cores, timeoutSec = 120): Promise<Measured> {
  return runGenerator(LOADGEN, spec, serverPid, cores, timeoutSec);
}

/**
 * runLoad with another generator script: it gets `spec` over IPC and answers
 * with LoadMessages, as loadgen.ts does (e.g. the WebSocket call generator).
 */
export function runGenerator<S extends { readonly warmupSec: number; readonly durationSec: number }>(script: string, spec: S, serverPid: number, cores: Cores, timeoutSec = 120): Promise<Measured> {
  const child = spawnNode(script, [], { cpu: cores.loadCpu, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const meter = new CpuMeter([serverPid, child.pid!], [cores.serverCpu, cores.loadCpu]);
  let usage: CpuUse | undefined;
  let result: LoadResult | undefined;
  let failure: string | undefined;
  const limitMs = (spec.warmupSec + spec.durationSec + timeoutSec) * 1000;
  return new Promise<Measured>((resolve, reject) => {
    const timer = setTimeout(() => {
      failure = `load generator still running after ${Math.round(limitMs / 1000)} s: stopped`;
      void stopChild(child, 500);
    }, limitMs);
    child.on('message', (message: LoadMessage) => {
      switch (message.type) {
        case 'measuring':
          meter.start();
          break;
        case 'measured': {
          const { processPct: [serverPct, loadPct], corePct: [serverCore, loadCore] } = meter.stop();
          const others = (core: number, own: number) => Math.max(0, Math.round((core - own) * 10) / 10);
          usage = { serverPct, loadPct, othersOnServerCorePct: others(serverCore, serverPct), othersOnLoadCorePct: others(loadCore, loadPct) };
          break;
        }
        case 'result':
          result = message.result;
          break;
        case 'failed':
          failure = message.error;
          break;
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (result && usage) resolve({ result, cpu: usage });
      else reject(new Error(failure ?? `load generator exited (${code ?? signal}) without a result`));
    });
    child.send(spec);
  });
}
