// The load generator: a separate process (pinned to its own core by the
// bench) that gets one LoadSpec over IPC, runs it against 127.0.0.1 and
// answers with a LoadResult. It says 'measuring' / 'measured' around the
// measured part so that the bench samples CPU use over exactly that window.
import autocannon from 'autocannon';
import { pathToFileURL } from 'node:url';
import type { LoadMessage, LoadResult, LoadSpec, Percentiles } from './load-types.ts';
import { rawRequest, type ConnectionPlan, type PlanFn, type Step } from './plan.ts';
import { RawConnection, RawStats } from './raw-client.ts';

type Histogram = RawStats['latencyUs'];

function post(message: LoadMessage): void {
  process.send!(message);
}

async function loadPlans(spec: LoadSpec): Promise<ConnectionPlan[]> {
  const mod = (await import(pathToFileURL(spec.plan.module).href)) as Record<string, unknown>;
  const fn = mod[spec.plan.fn];
  if (typeof fn !== 'function') throw new Error(`${spec.plan.module} exports no plan function ${spec.plan.fn}`);
  const plans: ConnectionPlan[] = [];
  for (let c = 0; c < spec.connections; c++) plans.push((fn as PlanFn)(spec.plan.args as never, c, spec.connections));
  return plans;
}

function allSteps(plan: ConnectionPlan): Step[] {
  const steps: Step[] = [];
  for (let i = 0; i < plan.cycles; i++) steps.push(...plan.cycle(i));
  return steps;
}

const ms = (us: number): number => Math.round(us) / 1000;
function percentiles(h: Histogram): Percentiles {
  return { p50: ms(h.getValueAtPercentile(50)), p90: ms(h.getValueAtPercentile(90)), p99: ms(h.getValueAtPercentile(99)), max: ms(h.maxValue) };
}

async function runAutocannon(spec: LoadSpec, plans: ConnectionPlan[]): Promise<LoadResult> {
  // autocannon cycles through a connection's requests for as long as it runs.
  if (plans.some((p) => p.once)) throw new Error(`${spec.plan.fn}: its requests may be sent once only; use the raw client (mode closed)`);
  const requests = plans.map((plan) => allSteps(plan).map(({ method, path, headers, body }) => ({ method, path, headers, body })));
  const expected = new Set(plans.flatMap((plan) => allSteps(plan).map((s) => String(s.expect))));
  const stepsPerCycle = plans[0].cycles > 0 ? plans[0].cycle(0).length : 1;
  let next = 0;
  const options = (durationSec: number): autocannon.Options => ({
    url: `http://127.0.0.1:${spec.port}`,
    connections: spec.connections,
    pipelining: spec.pipelining,
    duration: durationSec,
    // Each connection cycles through its own pre-built requests: varying
    // recipients and credentials cost the generator nothing per request.
    // Client.setRequests() refuses when pipelining > 1 (requests already in
    // flight would be mismatched); setupClient runs before the connection
    // opens, so nothing is in flight yet and the iterator can be set directly.
    setupClient: (client) => {
      const iterator = (client as unknown as { requestIterator: { setRequests(r: unknown[]): void } }).requestIterator;
      iterator.setRequests(requests[next++ % requests.length]);
    },
  });
  if (spec.warmupSec > 0) await autocannon(options(spec.warmupSec));
  next = 0;
  post({ type: 'measuring' });
  const r = await autocannon(options(spec.durationSec));
  post({ type: 'measured' });
  const statusCodes: Record<string, number> = {};
  let mismatches = 0;
  for (const [code, { count }] of Object.entries(r.statusCodeStats ?? {}) as [string, { count: number }][]) {
    statusCodes[code] = Number(count);
    if (!expected.has(code)) mismatches += Number(count);
  }
  const requestsPerSec = r.requests.total / r.duration;
  return {
    mode: spec.mode,
    durationSec: r.duration,
    requests: r.requests.total,
    cycles: Math.floor(r.requests.total / stepsPerCycle),
    requestsPerSec,
    cyclesPerSec: requestsPerSec / stepsPerCycle,
    latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max },
    statusCodes,
    mismatches,
    errors: r.errors + r.timeouts,
    latencyOf: 'request',
  };
}

/** Request buffers and expected statuses of one plan, built once (before any load). */
function compile(plan: ConnectionPlan, host: string): { requests: Buffer[][]; expect: number[][]; once: boolean } {
  const requests: Buffer[][] = [];
  const expect: number[][] = [];
  for (let i = 0; i < plan.cycles; i++) {
    const steps = plan.cycle(i);
    requests.push(steps.map((s) => rawRequest(s, host)));
    expect.push(steps.map((s) => s.expect));
  }
  return { requests, expect, once: plan.once === true };
}

async function runRaw(spec: LoadSpec, plans: ConnectionPlan[]): Promise<LoadResult> {
  const host = `127.0.0.1:${spec.port}`;
  const compiled = plans.map((plan) => compile(plan, host));
  const conns = await Promise.all(plans.map(() => RawConnection.open(spec.port)));
  // Where each connection is in its plan: warm-up and measured run go on from each other (once-only plans).
  const cursor = conns.map(() => 0);
  try {
    if (spec.warmupSec > 0 && spec.durationSec > 0) await drive(spec, conns, compiled, cursor, spec.warmupSec, new RawStats());
    const stats = new RawStats();
    post({ type: 'measuring' });
    const elapsedSec = await drive(spec, conns, compiled, cursor, spec.durationSec, stats);
    post({ type: 'measured' });
    const errors = conns.reduce((n, c) => n + c.errors, 0) + stats.incomplete;
    const stepsPerCycle = stats.cycles > 0 ? stats.requests / (stats.cycles + stats.incomplete) : 1;
    return {
      mode: spec.mode,
      durationSec: elapsedSec,
      requests: stats.requests,
      cycles: stats.cycles,
      requestsPerSec: stats.requests / elapsedSec,
      cyclesPerSec: stats.cycles / elapsedSec,
      latencyMs: percentiles(stats.latencyUs),
      statusCodes: stats.statusCodes,
      mismatches: stats.mismatches,
      errors,
      scheduleLagMs: spec.mode === 'open' ? percentiles(stats.lagUs) : undefined,
      exhaustedAfterSec: stats.exhausted && spec.durationSec > 0 ? Math.round(elapsedSec * 100) / 100 : undefined,
      latencyOf: stepsPerCycle === 1 ? 'request' : 'cycle',
    };
  } finally {
    for (const c of conns) c.close();
  }
}

type Compiled = ReturnType<typeof compile>;

const DRAIN_MS = 10_000;

/**
 * Runs load on the open connections, from `cursor` on (advanced in place);
 * resolves to the elapsed seconds once every cycle started has ended. A timed
 * run stops early when a once-only plan runs out (stats.exhausted).
 */
function drive(spec: LoadSpec, conns: RawConnection[], compiled: Compiled[], cursor: number[], durationSec: number, stats: RawStats): Promise<number> {
  const started = performance.now();
  const endAt = started + durationSec * 1000;
  let active = 0;
  let stopping = false;
  return new Promise((resolve) => {
    let drainTimer: NodeJS.Timeout | undefined;
    const done = (): void => {
      clearTimeout(drainTimer);
      resolve((performance.now() - started) / 1000);
    };
    const finish = (): void => {
      if (stopping && active === 0) done();
    };
    // No more cycles start; the ones in flight get DRAIN_MS to end, then count as incomplete.
    const stop = (): void => {
      if (stopping) return finish();
      stopping = true;
      drainTimer = setTimeout(() => {
        stats.incomplete += active;
        done();
      }, DRAIN_MS);
      finish();
    };
    const start = (c: number, then: () => void): boolean => {
      const plan = compiled[c];
      if (plan.requests.length === 0 || conns[c].closed || (stopping && durationSec > 0)) return false;
      if (cursor[c] >= plan.requests.length && (durationSec === 0 || plan.once)) {
        // Once-through set-up: this connection is done. Timed run of a once-only plan: stop all, so
        // that the measured window ends at full load rather than with a tail of fewer connections.
        if (durationSec > 0) {
          stats.exhausted = true;
          stop();
        }
        return false;
      }
      const i = cursor[c]++ % plan.requests.length;
      active++;
      stats.runCycle(conns[c], plan.requests[i], plan.expect[i], () => {
        active--;
        then();
      });
      return true;
    };
    if (spec.mode === 'open') {
      const rate = spec.rate ?? 1;
      let due = 0;
      const tick = setInterval(() => {
        const now = performance.now();
        if (now >= endAt || stopping) {
          clearInterval(tick);
          return stop();
        }
        const target = Math.floor(((now - started) / 1000) * rate);
        for (; due < target; due++) {
          stats.lagUs.recordValue(Math.max(1, Math.round((now - (started + (due * 1000) / rate)) * 1000)));
          start(due % conns.length, finish);
        }
      }, 1);
      return;
    }
    // Closed loop: each connection keeps `pipelining` cycles going until the time (or its plan) runs out.
    const loop = (c: number): void => {
      if (durationSec > 0 && performance.now() >= endAt) return stop();
      if (!start(c, () => loop(c))) finish();
    };
    for (let c = 0; c < conns.length; c++) for (let k = 0; k < spec.pipelining; k++) loop(c);
    if (durationSec === 0) {
      // Once-through: ends when every plan ran out (the bench bounds the whole run's time).
      stopping = true;
      finish();
    }
  });
}

process.once('message', (spec: LoadSpec) => {
  (async () => {
    const plans = await loadPlans(spec);
    const result = spec.mode === 'autocannon' ? await runAutocannon(spec, plans) : await runRaw(spec, plans);
    post({ type: 'result', result });
  })().then(
    () => process.disconnect(),
    (err: unknown) => {
      post({ type: 'failed', error: err instanceof Error ? err.stack ?? err.message : String(err) });
      process.disconnect();
    },
  );
});
