import type { PlanRef } from './plan.ts';

/**
 * One load run, sent to the load-generator process.
 * - `autocannon`: closed loop, as fast as it goes for `durationSec`, `pipelining` requests in flight
 *   per connection (the throughput figure; latency is per request);
 * - `closed`: the raw client, closed loop, `pipelining` cycles in flight per connection, for
 *   `durationSec`, or (durationSec 0) every connection runs its plan's cycles exactly once (set-up);
 * - `open`: the raw client, open loop, `rate` cycles/s spread over the connections for `durationSec`
 *   (latency at a given load, whatever the server's speed).
 */
export interface LoadSpec {
  readonly mode: 'autocannon' | 'closed' | 'open';
  readonly port: number;
  readonly plan: PlanRef;
  readonly connections: number;
  readonly pipelining: number;
  readonly durationSec: number;
  /** Unmeasured load before the measured run (not for a once-through closed run). */
  readonly warmupSec: number;
  readonly rate?: number;
}

export interface Percentiles {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/** What the load generator measured. Latencies are per cycle (one request, or a send + receive pair). */
export interface LoadResult {
  readonly mode: LoadSpec['mode'];
  readonly durationSec: number;
  readonly requests: number;
  readonly cycles: number;
  readonly requestsPerSec: number;
  readonly cyclesPerSec: number;
  readonly latencyMs: Percentiles;
  readonly statusCodes: Readonly<Record<string, number>>;
  /** Responses whose status was not the one the plan expects. */
  readonly mismatches: number;
  /** Connection errors, timeouts and cycles that never finished. */
  readonly errors: number;
  /** Open-loop runs: how late requests left compared with their schedule (a late generator under-loads). */
  readonly scheduleLagMs?: Percentiles;
  /** Plans whose cycles may be sent once only: the run ran out of them and ended this early (s into the measured run). */
  readonly exhaustedAfterSec?: number;
  /** autocannon times single requests; the raw client times whole cycles. */
  readonly latencyOf: 'request' | 'cycle';
}

/** Messages from the load generator to the bench. */
export type LoadMessage =
  | { readonly type: 'measuring' }
  | { readonly type: 'measured' }
  | { readonly type: 'result'; readonly result: LoadResult }
  | { readonly type: 'failed'; readonly error: string };
