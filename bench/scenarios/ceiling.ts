import { runLoad } from '../lib/load.ts';
import { rowOf, SINGLE_RUN, type Scenario } from '../lib/scenario.ts';
import { startBare } from '../lib/servers.ts';
import { readEmptyPlan } from './get-empty.ts';
import { sendPlan } from './post-inbox.ts';

/**
 * The ceilings: a bare uWS app on the same core, loaded by the same
 * generator with the same requests as get-empty (GET /inbox with varying
 * Basic credentials: 204, no logic) and as post-inbox (the same POSTs with
 * their bodies, read and copied: 204), so each ratio compares like with like.
 * Round trips compare with both (half their requests are each).
 */
export const scenario: Scenario = {
  name: 'ceiling',
  description: 'bare uWS routes answering 204 with no logic (GET; POST reading its body): the ceilings on this machine',
  async run(ctx) {
    const o = ctx.options;
    const server = await startBare(o.serverCpu);
    try {
      const mode = o.generator === 'raw' ? 'closed' : 'autocannon';
      const load = { mode, port: server.port, connections: o.connections, pipelining: o.pipelining, durationSec: o.durationSec, warmupSec: o.warmupSec } as const;
      ctx.log(`ceiling: GET, max rate (${mode}, ${o.connections} connections × ${o.pipelining} in flight, ${o.durationSec} s)`);
      const get = await runLoad({ ...load, plan: readEmptyPlan({ prefix: 'g', count: 10_000 }) }, server.pid, o);
      ctx.log(`ceiling: POST, max rate (${mode}, ${o.connections} connections × ${o.pipelining} in flight, ${o.durationSec} s)`);
      const post = await runLoad({ ...load, plan: sendPlan({ prefix: 'p', count: 10_000 }) }, server.pid, o);
      // The same one request in flight per connection (as browsers send them): no batching to share the transport's cost.
      const single = { ...load, mode: 'closed', pipelining: 1 } as const;
      ctx.log(`ceiling: GET and POST, max rate (closed, ${o.connections} connections × 1 in flight, ${o.durationSec} s each)`);
      const get1 = await runLoad({ ...single, plan: readEmptyPlan({ prefix: 'g', count: 10_000 }) }, server.pid, o);
      const post1 = await runLoad({ ...single, plan: sendPlan({ prefix: 'p', count: 10_000 }) }, server.pid, o);
      return {
        rows: [
          rowOf('ceiling', 'max', get, { ratioToCeiling: 1 }),
          rowOf('ceiling', 'max POST', post, { ratioToCeiling: 1 }),
          rowOf('ceiling', SINGLE_RUN, get1, { ratioToCeiling: 1 }),
          rowOf('ceiling', `${SINGLE_RUN} POST`, post1, { ratioToCeiling: 1 }),
        ],
        targets: [],
      };
    } finally {
      await server.stop();
    }
  },
};
