import { fileURLToPath } from 'node:url';
import type { CallSetupExtra, CallSetupSpec } from '../lib/callgen.ts';
import { runGenerator, type Measured } from '../lib/load.ts';
import { createCallUrls, registerSessions } from '../lib/loop-setup.ts';
import { rowOf, type Row, type Scenario, type ScenarioContext } from '../lib/scenario.ts';
import { startSignalbox, type ServerProcess } from '../lib/servers.ts';
import { loopBenchEnv } from '../lib/loop-config.ts';

const CALLGEN = fileURLToPath(new URL('../lib/callgen.ts', import.meta.url));
/** Calls driven at once in the max run (each: two WebSockets and a keep-alive HTTP connection). */
const CONCURRENCY = 50;
/** Callees, one call URL each; calls use them in turn (several calls may share one). */
const CALLEES = 2 * CONCURRENCY;
const CALL_TIMEOUT_MS = 5_000;
/** Upper bound on the calls of one measured run, whatever the duration. */
const MAX_CALLS = 500_000;

type Spec = Omit<CallSetupSpec, 'mode' | 'durationSec' | 'warmupSec' | 'rate' | 'concurrency'>;

function row(ctx: ScenarioContext, run: string, m: Measured): Row {
  const extra = m.result as unknown as CallSetupExtra;
  const usPerCall = m.result.cyclesPerSec > 0 ? Math.round(((m.cpu.serverPct / 100) * 1e6) / m.result.cyclesPerSec) : undefined;
  const failures = Object.entries(extra.failures ?? {}).sort((a, b) => b[1] - a[1]).slice(0, 3);
  const base = rowOf('loop-call-setup', run, m, {
    extra: { callsPerSec: Math.round(m.result.cyclesPerSec), serverUsPerCall: usPerCall ?? '', cycleP50Ms: extra.cycleMs?.p50 ?? '', cycleP99Ms: extra.cycleMs?.p99 ?? '' },
    warnings: failures.map(([reason, n]) => `${n} calls failed: ${reason}`),
  });
  ctx.log(`loop-call-setup ${run}: ${Math.round(m.result.cyclesPerSec)} calls/s, hello→connected p99 ${m.result.latencyMs.p99} ms, whole call p99 ${extra.cycleMs?.p99} ms, server ${usPerCall ?? '?'} µs/call`);
  return base;
}

async function measure(ctx: ScenarioContext, server: ServerProcess, spec: Spec): Promise<Row[]> {
  const o = ctx.options;
  ctx.log(`loop-call-setup: max rate (${CONCURRENCY} calls in flight, ${o.durationSec} s)`);
  const max = await runGenerator(CALLGEN, { ...spec, mode: 'closed', concurrency: CONCURRENCY, durationSec: o.durationSec, warmupSec: o.warmupSec } satisfies CallSetupSpec, server.pid, o);
  const maxRow = row(ctx, 'max', max);
  const rate = Math.max(1, Math.round(max.result.cyclesPerSec / 2));
  ctx.log(`loop-call-setup: open loop at ${rate} calls/s (half of max), ${o.durationSec} s`);
  const half = await runGenerator(
    CALLGEN,
    { ...spec, mode: 'open', rate, concurrency: CONCURRENCY, durationSec: o.durationSec, warmupSec: Math.min(1, o.warmupSec) } satisfies CallSetupSpec,
    server.pid,
    o,
  );
  return [{ ...maxRow, latencyOf: 'cycle' }, row(ctx, `50% load (${rate} calls/s)`, half)];
}

export const scenario: Scenario = {
  name: 'loop-call-setup',
  description: 'Loop calls set up end to end: POST /v1/calls/{token}, GET /v1/calls (callee), then caller and callee WebSockets from hello to connected',
  async run(ctx) {
    const server = await startSignalbox(ctx.options, { env: loopBenchEnv() });
    try {
      const owners = await registerSessions(server, CALLEES);
      const tokens = await createCallUrls(server, owners, 1);
      const urls = tokens.map((callToken, i) => ({ callToken, ownerToken: owners[i] }));
      ctx.log(`loop-call-setup: ${urls.length} call URLs, one per callee; latency columns: hello → connected (whole call in the JSON's extra)`);
      const rows = await measure(ctx, server, { port: server.port, urls, wsPath: '/websocket', callTimeoutMs: CALL_TIMEOUT_MS, maxCalls: MAX_CALLS });
      // The issue gives no original figure for calls set up per second: reported, not checked.
      return { rows, targets: [] };
    } finally {
      await server.stop();
    }
  },
};
