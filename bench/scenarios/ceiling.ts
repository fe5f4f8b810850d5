import { runLoad } from '../lib/load.ts';
import { rowOf, type Scenario } from '../lib/scenario.ts';
import { startBare } from '../lib/servers.ts';
import { readEmptyPlan } from './get-empty.ts';

/**
 * The ceiling: a bare uWS route (204, no logic) on the same core, loaded by
 * the same generator with the same requests as get-empty (GET /inbox with
 * varying Basic credentials), so the ratio compares like with like.
 */
export const scenario: Scenario = {
  name: 'ceiling',
  description: 'bare uWS route answering 204 with no logic: the ceiling on this machine',
  async run(ctx) {
    const o = ctx.options;
    const server = await startBare(o.serverCpu);
    try {
      const mode = o.generator === 'raw' ? 'closed' : 'autocannon';
      ctx.log(`ceiling: max rate (${mode}, ${o.connections} connections × ${o.pipelining} in flight, ${o.durationSec} s)`);
      const max = await runLoad(
        { mode, port: server.port, plan: readEmptyPlan({ prefix: 'g', count: 10_000 }), connections: o.connections, pipelining: o.pipelining, durationSec: o.durationSec, warmupSec: o.warmupSec },
        server.pid,
        o,
      );
      return { rows: [rowOf('ceiling', 'max', max, { ratioToCeiling: 1 })], targets: [] };
    } finally {
      await server.stop();
    }
  },
};
