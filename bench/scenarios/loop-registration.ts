import { fileURLToPath } from 'node:url';
import type { ConnectionPlan } from '../lib/plan.ts';
import type { Scenario } from '../lib/scenario.ts';
import { startSignalbox } from '../lib/servers.ts';
import { measureThroughput } from '../lib/throughput.ts';

const MODULE = fileURLToPath(import.meta.url);
/** Issue 3: the original Loop server answers about 1,250 anonymous registrations/s on one core; the target is 20× it. */
export const REFERENCE_REGISTRATIONS_PER_SEC = 1_250;

/** Plan: every request is an anonymous registration (`{}`), which mints a new session (200 + Hawk-Session-Token). */
export function register(): ConnectionPlan {
  return {
    cycles: 1,
    cycle: () => [{ method: 'POST', path: '/v1/registration', headers: { 'content-type': 'application/json' }, body: '{}', expect: 200 }],
  };
}

export const scenario: Scenario = {
  name: 'loop-registration',
  description: 'Loop: anonymous POST /v1/registration {} (each mints a session): 200',
  async run(ctx) {
    const server = await startSignalbox(ctx.options);
    try {
      return await measureThroughput(ctx, {
        scenario: 'loop-registration',
        server,
        plan: { module: MODULE, fn: 'register', args: {} },
        maxMode: ctx.options.generator === 'raw' ? 'closed' : 'autocannon',
        pipelining: ctx.options.pipelining,
        targets: { reqPerSec: 20 * REFERENCE_REGISTRATIONS_PER_SEC, halfLoadP99Ms: 5 },
      });
    } finally {
      await server.stop();
    }
  },
};
