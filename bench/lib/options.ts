/** Bench settings, read once from the environment (the only reader of process.env in bench/). */
export interface BenchOptions {
  /** Seconds of measured load per run (BENCH_DURATION). */
  readonly durationSec: number;
  /** Seconds of unmeasured load before each measured run, to warm the JIT. */
  readonly warmupSec: number;
  /** BENCH_QUICK=1: short runs and small populations, for a smoke test. */
  readonly quick: boolean;
  /** BENCH_ONLY=name,name: the scenarios to run (all when empty). */
  readonly only: readonly string[];
  /** Connections of the load generator (BENCH_CONNECTIONS). */
  readonly connections: number;
  /** Requests in flight per connection in max-rate runs (BENCH_PIPELINING). */
  readonly pipelining: number;
  /** Idle inbox populations of the memory scenario (BENCH_MEMORY_SIZES, comma-separated). */
  readonly memorySizes: readonly number[];
  /** Core the server under test runs on (BENCH_SERVER_CPU), and the load generator's (BENCH_LOAD_CPU). */
  readonly serverCpu: number;
  readonly loadCpu: number;
  /**
   * Generator of the max-rate runs of single-request scenarios (BENCH_GENERATOR):
   * 'autocannon' (default) or 'raw' (the bench's own client, cheaper per request,
   * for when autocannon saturates its core before the server does).
   */
  readonly generator: 'autocannon' | 'raw';
  /**
   * Requests/s a pool of once-only (Hawk-signed) requests is sized for in
   * max-rate runs (BENCH_SIGNED_RATE): the pool holds this rate times the
   * run's seconds; a faster server runs out early and the report says so.
   */
  readonly signedRate: number;
  /** BENCH_CPU_PROF=dir: servers under test run with --cpu-prof and write their profiles there. */
  readonly cpuProfDir: string | undefined;
  /** BENCH_CPU_PROF_INTERVAL: sampling interval of those profiles, µs (V8's default: 1000). */
  readonly cpuProfIntervalUs: number;
  /** BENCH_SERVER_FLAGS: extra node flags for the servers under test (space-separated, e.g. `--trace-gc`). */
  readonly serverFlags: readonly string[];
  /**
   * BENCH_SERVER_ENV: extra environment for the signalbox servers under test
   * (space-separated NAME=value), applied last, e.g. to run with per-client
   * limits on: `RATE_LIMITS=on RATE_LIMIT_REQUESTS=100000000`.
   */
  readonly serverEnv: Readonly<Record<string, string>>;
  /** Where the JSON report goes (BENCH_OUT). */
  readonly outFile: string;
}

function num(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) throw new Error(`${name}=${JSON.stringify(raw)}: expected a number ≥ ${min}`);
  return value;
}

function serverEnvOf(raw: string | undefined): Readonly<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const pair of (raw ?? '').split(/\s+/).filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`BENCH_SERVER_ENV: ${JSON.stringify(pair)} is not NAME=value`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return Object.freeze(env);
}

function generatorOf(raw: string | undefined): BenchOptions['generator'] {
  if (raw === undefined || raw === '' || raw === 'autocannon') return 'autocannon';
  if (raw === 'raw') return 'raw';
  throw new Error(`BENCH_GENERATOR=${JSON.stringify(raw)}: expected autocannon or raw`);
}

export function loadBenchOptions(env: NodeJS.ProcessEnv, defaultOut: string): BenchOptions {
  const quick = /^(1|true|yes)$/i.test(env.BENCH_QUICK ?? '');
  const durationSec = num(env, 'BENCH_DURATION', quick ? 2 : 8, 0.5);
  const sizes = (env.BENCH_MEMORY_SIZES ?? (quick ? '20000,100000' : '100000,1000000'))
    .split(',').map((s) => Number(s.trim())).filter((n) => Number.isInteger(n) && n > 0);
  if (sizes.length === 0) throw new Error('BENCH_MEMORY_SIZES: expected a comma-separated list of positive integers');
  return Object.freeze({
    durationSec,
    warmupSec: quick ? 0.5 : Math.min(2, durationSec / 2),
    quick,
    only: (env.BENCH_ONLY ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    connections: Math.round(num(env, 'BENCH_CONNECTIONS', 50, 1)),
    pipelining: Math.round(num(env, 'BENCH_PIPELINING', 10, 1)),
    memorySizes: Object.freeze(sizes.sort((a, b) => a - b)),
    serverCpu: Math.round(num(env, 'BENCH_SERVER_CPU', 0, 0)),
    loadCpu: Math.round(num(env, 'BENCH_LOAD_CPU', 1, 0)),
    generator: generatorOf(env.BENCH_GENERATOR),
    signedRate: Math.round(num(env, 'BENCH_SIGNED_RATE', 60_000, 100)),
    cpuProfDir: env.BENCH_CPU_PROF || undefined,
    cpuProfIntervalUs: Math.round(num(env, 'BENCH_CPU_PROF_INTERVAL', 1000, 50)),
    serverFlags: Object.freeze((env.BENCH_SERVER_FLAGS ?? '').split(/\s+/).filter(Boolean)),
    serverEnv: serverEnvOf(env.BENCH_SERVER_ENV),
    outFile: env.BENCH_OUT ?? defaultOut,
  });
}
