import { fileURLToPath } from 'node:url';
import { signedPlanArgs, signerFor, type SignedArgs } from '../lib/hawk-plan.ts';
import { registerSessions } from '../lib/loop-setup.ts';
import type { ConnectionPlan } from '../lib/plan.ts';
import type { Scenario } from '../lib/scenario.ts';
import { startSignalbox } from '../lib/servers.ts';
import { measureThroughput } from '../lib/throughput.ts';
import { loopBenchEnv } from '../lib/loop-config.ts';

const MODULE = fileURLToPath(import.meta.url);
/** Issue 3: the original answers about 1,700 Hawk-authenticated requests/s on one core; the target is 20× it. */
export const REFERENCE_HAWK_PER_SEC = 1_700;
/** Sessions the requests are spread over (registered in set-up). */
const SESSIONS = 500;
const PATH = '/v1/call-url';
const BODY = JSON.stringify({ callerId: 'bench-caller@example.test' });

/**
 * Plan: connection c sends POST /v1/call-url requests, each Hawk-signed with
 * its own nonce, over the sessions in turn. Once-only (the server refuses
 * replays): the run ends early rather than re-send one.
 */
export function signedCallUrls(args: SignedArgs, c: number, connections: number): ConnectionPlan {
  const sign = signerFor(args, c);
  return {
    cycles: args.cyclesPerConnection,
    once: true,
    cycle: (i) => [sign(c + i * connections, { method: 'POST', path: PATH, headers: { 'content-type': 'application/json' }, body: BODY, expect: 200 })],
  };
}

export const scenario: Scenario = {
  name: 'loop-call-url',
  description: 'Loop: POST /v1/call-url {callerId} with Hawk (every request its own nonce, over many sessions): 200',
  async run(ctx) {
    const o = ctx.options;
    const server = await startSignalbox(o, { env: loopBenchEnv() });
    try {
      const tokens = await registerSessions(server, SESSIONS);
      ctx.log(`loop-call-url: ${SESSIONS} sessions registered; pools of signed requests sized for ${o.signedRate.toLocaleString('en')}/s (BENCH_SIGNED_RATE)`);
      const argsFor = signedPlanArgs(o, { tokens, port: server.port });
      return await measureThroughput(ctx, {
        scenario: 'loop-call-url',
        server,
        plan: (run) => ({ module: MODULE, fn: 'signedCallUrls', args: argsFor(run) }),
        // Once-only requests: autocannon would re-send them (replays), so the raw client always.
        maxMode: 'closed',
        pipelining: o.pipelining,
        targets: { reqPerSec: 20 * REFERENCE_HAWK_PER_SEC, halfLoadP99Ms: 5 },
      });
    } finally {
      await server.stop();
    }
  },
};
