import { fileURLToPath } from 'node:url';
import { authOf, inboxName, share, type ConnectionPlan } from '../lib/plan.ts';
import type { Scenario } from '../lib/scenario.ts';
import { createInboxes } from '../lib/setup.ts';
import { startSignalbox } from '../lib/servers.ts';
import { measureThroughput } from '../lib/throughput.ts';

const MODULE = fileURLToPath(import.meta.url);
/** The reference Go server's empty-GET rate on this machine; the target is 3× it. */
const REFERENCE_GET_PER_SEC = 40_000;

export interface ReadEmptyArgs {
  readonly prefix: string;
  readonly count: number;
}

/** Plan: connection c reads (no wait) its share of the existing, empty inboxes in turn; each answers 204. */
export function readEmpty(args: ReadEmptyArgs, c: number, connections: number): ConnectionPlan {
  const [from, to] = share(args.count, c, connections);
  return {
    cycles: to - from,
    cycle: (i) => [{ method: 'GET', path: '/inbox', headers: authOf(inboxName(args.prefix, from + i)), expect: 204 }],
  };
}

export const readEmptyPlan = (args: ReadEmptyArgs) => ({ module: MODULE, fn: 'readEmpty', args });

export const scenario: Scenario = {
  name: 'get-empty',
  description: 'GET /inbox (no wait) on many existing, empty inboxes: 204',
  async run(ctx) {
    const count = ctx.options.quick ? 2_000 : 10_000;
    const server = await startSignalbox(ctx.options);
    try {
      await createInboxes(ctx, server, 'g', count);
      return await measureThroughput(ctx, {
        scenario: 'get-empty',
        server,
        plan: readEmptyPlan({ prefix: 'g', count }),
        maxMode: ctx.options.generator === 'raw' ? 'closed' : 'autocannon',
        pipelining: ctx.options.pipelining,
        targets: { reqPerSec: 3 * REFERENCE_GET_PER_SEC, ratio: 0.6, halfLoadP99Ms: 5 },
      });
    } finally {
      await server.stop();
    }
  },
};
