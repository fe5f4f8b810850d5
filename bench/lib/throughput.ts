import { runLoad } from './load.ts';
import type { PlanRef } from './plan.ts';
import { atLeast, below, doubt, rowOf, SINGLE_RUN, type Ceiling, type ScenarioContext, type ScenarioResult, type TargetCheck } from './scenario.ts';
import type { ServerProcess } from './servers.ts';

/** One run of a throughput measurement, for plans that size themselves by it (once-only request pools). */
export interface RunShape {
  readonly run: 'max' | 'half';
  /** Seconds of load, warm-up included. */
  readonly seconds: number;
  /** Cycles/s asked of the open-loop run (half load); undefined for the max run. */
  readonly rate?: number;
}

export interface ThroughputSpec {
  readonly scenario: string;
  readonly server: ServerProcess;
  /** The plan, or (once-only requests) a plan sized for each run. */
  readonly plan: PlanRef | ((run: RunShape) => PlanRef);
  /** autocannon for single requests; the raw closed loop when a cycle is several requests. */
  readonly maxMode: 'autocannon' | 'closed';
  /** In flight per connection during the max run (requests for autocannon, cycles for the raw loop). */
  readonly pipelining: number;
  readonly connections?: number;
  /**
   * Which bare-route ceiling the ratio is to: 'get' (default), 'post', or
   * 'both' for a cycle of one POST and one GET (the ratio is then per request,
   * to the rate of such a mix on the bare routes).
   */
  readonly ceiling?: 'get' | 'post' | 'both';
  /**
   * false: no open-loop run at half load. For a server that answers later
   * (STORE=redis): the open loop sends on schedule, so a slow answer puts the
   * next request behind it on the same connection, and uWS closes a
   * connection on which a request arrives behind an unanswered one.
   */
  readonly halfLoad?: boolean;
  /** Targets from the issue; omitted ones are not checked. */
  readonly targets?: {
    readonly reqPerSec?: number;
    /** Cycles/s (e.g. joins/s when a cycle is join + refresh + leave), with what a cycle is called. */
    readonly cyclesPerSec?: { readonly value: number; readonly unit: string; readonly per: string };
    readonly ratio?: number;
    readonly halfLoadP99Ms?: number;
  };
}

/**
 * The ceiling a scenario compares with; 'both' is one GET and one POST per
 * cycle on the bare routes: its rate per request is the harmonic mean of the
 * two (each request takes its own route's time).
 */
function ceilingFor(ctx: ScenarioContext, which: 'get' | 'post' | 'both', single = false): Ceiling | undefined {
  const c = single ? ctx.ceiling?.single : ctx.ceiling;
  if (!c) return undefined;
  if (which === 'get') return c.get;
  if (!c.post) return undefined;
  if (which === 'post') return c.post;
  const mix = (a: number | undefined, b: number | undefined) => (a && b ? 2 / (1 / a + 1 / b) : undefined);
  return {
    reqPerSec: mix(c.get.reqPerSec, c.post.reqPerSec)!,
    capacityEstimate: mix(c.get.capacityEstimate, c.post.capacityEstimate),
    doubt: c.get.doubt ?? c.post.doubt,
  };
}

/**
 * The common shape of a throughput scenario: a max-rate run (requests/s,
 * ratio to the ceiling, CPU of both sides), then an open-loop run at half
 * that rate for the latency the issue asks about ("p99 at half of the
 * maximum load"). The open loop keeps sending on schedule whatever the
 * server's speed, so its latencies are not flattered by coordinated omission.
 */
export async function measureThroughput(ctx: ScenarioContext, spec: ThroughputSpec): Promise<ScenarioResult> {
  const o = ctx.options;
  const connections = spec.connections ?? o.connections;
  const planFor = (run: RunShape): PlanRef => (typeof spec.plan === 'function' ? spec.plan(run) : spec.plan);
  const base = { port: spec.server.port, connections };
  ctx.log(`${spec.scenario}: max rate (${spec.maxMode}, ${connections} connections × ${spec.pipelining} in flight, ${o.durationSec} s)`);
  const max = await runLoad(
    { ...base, plan: planFor({ run: 'max', seconds: o.warmupSec + o.durationSec }), mode: spec.maxMode, pipelining: spec.pipelining, durationSec: o.durationSec, warmupSec: o.warmupSec },
    spec.server.pid,
    o,
  );
  const perCycle = max.result.latencyOf === 'cycle';
  // A cycle of several requests has a ratio only when the scenario says which ceiling it compares with.
  const ceiling = perCycle && !spec.ceiling ? undefined : ceilingFor(ctx, spec.ceiling ?? 'get');
  const ratio = ceiling ? max.result.requestsPerSec / ceiling.reqPerSec : null;
  const ceilingNote = ceiling?.doubt ? [`ratio doubtful, the ceiling run was disturbed (${ceiling.doubt})`] : [];
  const row = rowOf(spec.scenario, 'max', max, { ratioToCeiling: ratio === null ? null : Math.round(ratio * 1000) / 1000, warnings: ratio === null ? [] : ceilingNote });
  const estimated = row.capacityEstimate && ceiling?.capacityEstimate ? row.capacityEstimate / ceiling.capacityEstimate : null;
  const maxRow = { ...row, estimatedRatioToCeiling: estimated === null ? null : Math.round(estimated * 1000) / 1000 };

  // Pipelined requests share the transport's cost (one read and one write for several); requests that arrive
  // one at a time, as browsers send them, do not. The open loop sends them one at a time, so its "half of the
  // maximum" is half of the maximum in that shape: half of the pipelined maximum could be more than the
  // server can take one at a time at all.
  const rows = [maxRow];
  let top = max;
  if (spec.pipelining > 1) {
    ctx.log(`${spec.scenario}: max rate (closed, ${connections} connections × 1 in flight, ${o.durationSec} s)`);
    const single = await runLoad(
      { ...base, plan: planFor({ run: 'max', seconds: o.warmupSec + o.durationSec }), mode: 'closed', pipelining: 1, durationSec: o.durationSec, warmupSec: o.warmupSec },
      spec.server.pid,
      o,
    );
    const singleCeiling = perCycle && !spec.ceiling ? undefined : ceilingFor(ctx, spec.ceiling ?? 'get', true);
    const singleRow = rowOf(spec.scenario, SINGLE_RUN, single, {
      ratioToCeiling: singleCeiling ? Math.round((single.result.requestsPerSec / singleCeiling.reqPerSec) * 1000) / 1000 : null,
    });
    const singleEstimate = singleRow.capacityEstimate && singleCeiling?.capacityEstimate ? singleRow.capacityEstimate / singleCeiling.capacityEstimate : null;
    rows.push({ ...singleRow, estimatedRatioToCeiling: singleEstimate === null ? null : Math.round(singleEstimate * 1000) / 1000 });
    top = single;
  }
  if (spec.halfLoad === false) return { rows, targets: [] };
  const halfRate = Math.max(1, Math.round((perCycle ? top.result.cyclesPerSec : top.result.requestsPerSec) / 2));
  ctx.log(`${spec.scenario}: open loop at ${halfRate}/s (half of the max one request at a time), ${o.durationSec} s`);
  const halfWarmupSec = Math.min(1, o.warmupSec);
  const half = await runLoad(
    {
      ...base,
      plan: planFor({ run: 'half', seconds: halfWarmupSec + o.durationSec, rate: halfRate }),
      mode: 'open', rate: halfRate, pipelining: 1, durationSec: o.durationSec, warmupSec: halfWarmupSec,
    },
    spec.server.pid,
    o,
  );
  const halfRow = rowOf(spec.scenario, `50% load (${halfRate}/s)`, half, {
    warnings: rows[rows.length - 1].saturated ? ['max was a lower bound, so this is below the true half load'] : [],
  });

  const targets: TargetCheck[] = [];
  const t = spec.targets ?? {};
  if (t.reqPerSec !== undefined) {
    const check = atLeast(spec.scenario, 'requests/s', maxRow.reqPerSec ?? null, t.reqPerSec, `≥ ${t.reqPerSec.toLocaleString('en')}/s`, doubt(maxRow));
    const estimate = check.met === null && maxRow.capacityEstimate ? `; estimate from server CPU per request: ${maxRow.capacityEstimate.toLocaleString('en')}/s` : '';
    targets.push({ ...check, note: check.note && check.note + estimate });
  }
  if (t.cyclesPerSec !== undefined) {
    const { value, unit, per } = t.cyclesPerSec;
    const cyclesPerSec = maxRow.cyclesPerSec ?? maxRow.reqPerSec ?? null;
    const check = atLeast(spec.scenario, `${unit}/s`, cyclesPerSec, value, `≥ ${value.toLocaleString('en')}/s`, doubt(maxRow));
    const perCycleUs = maxRow.serverUsPerRequest && maxRow.reqPerSec && cyclesPerSec ? (maxRow.serverUsPerRequest * maxRow.reqPerSec) / cyclesPerSec : undefined;
    const estimate = check.met === null && perCycleUs ? `; estimate from server CPU per ${per}: ${Math.round(1e6 / perCycleUs).toLocaleString('en')}/s` : '';
    targets.push({ ...check, note: check.note && check.note + estimate });
  }
  if (t.ratio !== undefined) {
    // A ratio is only as good as both of its runs; a doubtful one on either side can go either way.
    const check = atLeast(spec.scenario, 'ratio to bare-route ceiling', maxRow.ratioToCeiling ?? null, t.ratio, `≥ ${t.ratio}`, null);
    const doubtful = doubt(maxRow) ?? (ceiling?.doubt ? `ceiling: ${ceiling.doubt}` : null);
    const estimate = maxRow.estimatedRatioToCeiling ? `; estimate from server CPU per request: ${maxRow.estimatedRatioToCeiling}` : '';
    targets.push(doubtful && check.value !== null ? { ...check, met: null, note: `cannot tell: ${doubtful}${estimate}` } : check);
  }
  if (t.halfLoadP99Ms !== undefined) {
    const halfDoubt = halfRow.contended ? 'other work on the machine took CPU: latencies pessimistic' : null;
    targets.push(below(spec.scenario, `p99 at 50% load (ms, per ${half.result.latencyOf})`, halfRow.p99Ms ?? null, t.halfLoadP99Ms, `< ${t.halfLoadP99Ms} ms`, halfDoubt));
  }
  return { rows: [...rows, halfRow], targets };
}
