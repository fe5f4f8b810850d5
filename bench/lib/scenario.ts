import type { CpuUse } from './load.ts';
import type { LoadResult } from './load-types.ts';
import type { BenchOptions } from './options.ts';

/**
 * Which side limited a run, judged from CPU use: the server's core ('server',
 * the figure we want), the generator's core ('load-generator': a false
 * ceiling), other work on the machine taking either core ('machine-busy'),
 * or none of these ('neither': latency-bound, e.g. too few connections).
 */
export type Bound = 'server' | 'load-generator' | 'machine-busy' | 'neither';

/** One line of the report. */
export interface Row {
  readonly scenario: string;
  /** Which run of the scenario: 'max', '50% load', '1,000,000 idle inboxes', … */
  readonly run: string;
  readonly reqPerSec?: number;
  /** Round trips (or other cycles) per second, when a cycle is more than one request. */
  readonly cyclesPerSec?: number;
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  readonly latencyOf?: LoadResult['latencyOf'];
  readonly ratioToCeiling?: number | null;
  /** Server CPU per request (µs): what a request costs the server, whoever limited the run. */
  readonly serverUsPerRequest?: number;
  /**
   * Requests/s the server would answer with its core full, extrapolated from
   * its CPU per request (an estimate, for runs the server did not limit).
   */
  readonly capacityEstimate?: number;
  /** capacityEstimate over the ceiling's: the ratio the issue asks for, from CPU cost. */
  readonly estimatedRatioToCeiling?: number | null;
  readonly cpu?: CpuUse;
  readonly bound?: Bound;
  /** true: the load generator's core was full while the server's was not; req/s is a lower bound. */
  readonly saturated?: boolean;
  /** true: other processes took a real share of either core; req/s is a lower bound, latencies pessimistic. */
  readonly contended?: boolean;
  /** Once-only plans: the run ran out of requests this many seconds into the measured window. */
  readonly exhaustedAfterSec?: number;
  readonly statusCodes?: Readonly<Record<string, number>>;
  readonly mismatches?: number;
  readonly errors?: number;
  /** Reasons to distrust this row (errors, unexpected statuses, a late open-loop generator, …). */
  readonly warnings: readonly string[];
  /** Scenario-specific figures (RSS, bytes per inbox, …). */
  readonly extra?: Readonly<Record<string, number | string>>;
}

/** A target from the issue, checked against a row. `met` is null when the figure cannot tell. */
export interface TargetCheck {
  readonly scenario: string;
  readonly what: string;
  readonly target: string;
  readonly value: number | null;
  readonly met: boolean | null;
  readonly note?: string;
}

export interface ScenarioResult {
  readonly rows: Row[];
  readonly targets: TargetCheck[];
}

/** The run name of a max run with one request in flight per connection. */
export const SINGLE_RUN = 'max, 1 in flight';

/** One bare-route ceiling: its max rate, its rate estimated from server CPU, and why it is doubtful (null: it is not). */
export interface Ceiling {
  readonly reqPerSec: number;
  readonly capacityEstimate?: number;
  readonly doubt: string | null;
}

export interface ScenarioContext {
  readonly options: BenchOptions;
  /** The bare-route ceilings (GET, and POST with a body), once the ceiling scenario ran in this process. */
  readonly ceiling: { readonly get: Ceiling; readonly post?: Ceiling; readonly single?: { readonly get: Ceiling; readonly post?: Ceiling } } | undefined;
  /** Progress line on stderr. */
  log(message: string): void;
}

/** One benchmark scenario: a file under bench/scenarios exporting one of these as `scenario`. */
export interface Scenario {
  readonly name: string;
  readonly description: string;
  run(ctx: ScenarioContext): Promise<ScenarioResult>;
}

/** Share of a core (in %) other processes may take before a run counts as disturbed. */
const OTHERS_LIMIT_PCT = 10;

/** Who limited the run, from the CPU use of both processes and of their cores. */
export function judge(cpu: CpuUse): { bound: Bound; saturated: boolean; contended: boolean } {
  const contended = cpu.othersOnServerCorePct > OTHERS_LIMIT_PCT || cpu.othersOnLoadCorePct > OTHERS_LIMIT_PCT;
  if (cpu.serverPct >= 90) return { bound: 'server', saturated: false, contended };
  if (cpu.loadPct >= 90) return { bound: 'load-generator', saturated: true, contended };
  return { bound: contended ? 'machine-busy' : 'neither', saturated: false, contended };
}

/** A row from a load run, with the warnings every scenario wants. */
export function rowOf(scenario: string, run: string, m: { result: LoadResult; cpu: CpuUse }, more: Partial<Row> = {}): Row {
  const { result, cpu } = m;
  const { bound, saturated, contended } = judge(cpu);
  const warnings: string[] = [];
  if (saturated) warnings.push(`load generator saturated (${cpu.loadPct}% CPU, server ${cpu.serverPct}%); figure is a lower bound`);
  if (contended) {
    warnings.push(`other processes used ${cpu.othersOnServerCorePct}% of the server's core and ${cpu.othersOnLoadCorePct}% of the generator's: figures disturbed`);
  }
  if (bound === 'neither' && result.mode !== 'open') warnings.push(`no core was full (server ${cpu.serverPct}%, generator ${cpu.loadPct}%): latency-bound run, not a ceiling`);
  if (result.errors > 0) warnings.push(`${result.errors} connection errors / unfinished requests`);
  if (result.mismatches > 0) warnings.push(`${result.mismatches} responses with an unexpected status`);
  if (result.requests === 0) warnings.push('no request completed');
  if (result.exhaustedAfterSec !== undefined) {
    warnings.push(`ran out of its once-only (signed) requests after ${result.exhaustedAfterSec} s of the measured run: figures cover that shorter window`);
  }
  if (result.scheduleLagMs && result.scheduleLagMs.p99 > 2) {
    warnings.push(`open-loop generator ran late (p99 lag ${result.scheduleLagMs.p99} ms): offered load below the asked rate`);
  }
  const many = result.latencyOf === 'cycle';
  const usPerRequest = result.requestsPerSec > 0 && cpu.serverPct > 0 ? (cpu.serverPct / 100) * 1e6 / result.requestsPerSec : undefined;
  return {
    scenario,
    run,
    reqPerSec: Math.round(result.requestsPerSec),
    cyclesPerSec: many ? Math.round(result.cyclesPerSec) : undefined,
    p50Ms: result.latencyMs.p50,
    p99Ms: result.latencyMs.p99,
    latencyOf: result.latencyOf,
    serverUsPerRequest: usPerRequest === undefined ? undefined : Math.round(usPerRequest * 100) / 100,
    capacityEstimate: usPerRequest === undefined || result.mode === 'open' ? undefined : Math.round(1e6 / usPerRequest),
    cpu,
    bound,
    saturated,
    contended,
    exhaustedAfterSec: result.exhaustedAfterSec,
    statusCodes: result.statusCodes,
    mismatches: result.mismatches,
    errors: result.errors,
    ...more,
    warnings: [...warnings, ...(more.warnings ?? [])],
  };
}

/** Why a run's figure may understate the server (null: a clean run). */
/** Prefix of a doubt that makes a run's figures invalid: no target counts as met on it. */
const INVALID = 'invalid: ';

export function doubt(row: Row | undefined): string | null {
  if (!row) return null;
  const failed = (row.mismatches ?? 0) + (row.errors ?? 0);
  const answered = Object.values(row.statusCodes ?? {}).reduce((a, b) => a + b, 0);
  // A few requests cut off at the end of a run are normal; more means the figure measures failures.
  if (failed > Math.max(10, answered * 0.001)) {
    return `${INVALID}${failed} requests failed or got an unexpected status (of ${answered}): the figure does not measure the scenario`;
  }
  if (row.exhaustedAfterSec !== undefined && row.exhaustedAfterSec < 1) {
    return 'the run ran out of once-only requests almost at once (raise BENCH_SIGNED_RATE): figures unreliable';
  }
  if (row.saturated) return 'load generator saturated: the real figure is better';
  if (row.contended) return 'other work on the machine took CPU: the real figure is better';
  return null;
}

/** A "value ≥ target" check; a miss on a doubtful run is unknown, not a failure. */
export function atLeast(scenario: string, what: string, value: number | null, target: number, shown: string, doubtful: string | null): TargetCheck {
  if (value === null) return { scenario, what, target: shown, value, met: null, note: 'not measured' };
  if (doubtful?.startsWith(INVALID)) return { scenario, what, target: shown, value, met: null, note: doubtful };
  if (value >= target) return { scenario, what, target: shown, value, met: true, note: doubtful ?? undefined };
  return doubtful ? { scenario, what, target: shown, value, met: null, note: doubtful } : { scenario, what, target: shown, value, met: false };
}

/** A "value < limit" check; a miss on a doubtful run is unknown, not a failure. */
export function below(scenario: string, what: string, value: number | null, limit: number, shown: string, doubtful: string | null = null): TargetCheck {
  if (value === null) return { scenario, what, target: shown, value, met: null, note: 'not measured' };
  if (doubtful?.startsWith(INVALID)) return { scenario, what, target: shown, value, met: null, note: doubtful };
  if (value < limit) return { scenario, what, target: shown, value, met: true, note: doubtful ?? undefined };
  return doubtful ? { scenario, what, target: shown, value, met: null, note: doubtful } : { scenario, what, target: shown, value, met: false };
}
