import { fileURLToPath } from 'node:url';
import { authOf, inboxName, share, type ConnectionPlan } from '../lib/plan.ts';
import type { Scenario } from '../lib/scenario.ts';
import { createInboxes } from '../lib/setup.ts';
import { startSignalbox } from '../lib/servers.ts';
import { measureThroughput } from '../lib/throughput.ts';

const MODULE = fileURLToPath(import.meta.url);
/** The reference Go server's POST rate on this machine; the target is 3× it. */
const REFERENCE_POST_PER_SEC = 30_000;
/** A typical signaling message: one ICE candidate (~150 bytes). */
const BODY = JSON.stringify({
  type: 'candidate',
  candidate: 'candidate:842163049 1 udp 1677729535 192.0.2.17 54321 typ srflx raddr 10.0.0.2 rport 54321 generation 0',
  sdpMid: '0',
});

export interface SendArgs {
  readonly prefix: string;
  readonly count: number;
}

/**
 * Plan: connection c sends to its share of the existing inboxes in turn, each
 * message from another existing inbox (so no request creates one): every
 * request has its own `to=` and its own credentials.
 */
export function send(args: SendArgs, c: number, connections: number): ConnectionPlan {
  const [from, to] = share(args.count, c, connections);
  const half = Math.floor(args.count / 2);
  return {
    cycles: to - from,
    cycle: (i) => {
      const j = from + i;
      const sender = inboxName(args.prefix, (j + half) % args.count);
      return [{
        method: 'POST',
        path: `/inbox?to=${inboxName(args.prefix, j)}`,
        headers: { ...authOf(sender), 'content-type': 'application/json' },
        body: BODY,
        expect: 204,
      }];
    },
  };
}

export const sendPlan = (args: SendArgs) => ({ module: MODULE, fn: 'send', args });

export const scenario: Scenario = {
  name: 'post-inbox',
  description: 'POST /inbox?to=… to many existing inboxes, varying sender and recipient: 204',
  async run(ctx) {
    const count = ctx.options.quick ? 2_000 : 10_000;
    // Queues only grow during the run (nobody reads): room for every message, so no 503 skews the figure.
    const server = await startSignalbox(ctx.options, { env: { INBOX_CAPACITY: '1000000' } });
    try {
      await createInboxes(ctx, server, 'p', count);
      return await measureThroughput(ctx, {
        scenario: 'post-inbox',
        server,
        plan: sendPlan({ prefix: 'p', count }),
        ceiling: 'post',
        maxMode: ctx.options.generator === 'raw' ? 'closed' : 'autocannon',
        pipelining: ctx.options.pipelining,
        targets: { reqPerSec: 3 * REFERENCE_POST_PER_SEC, ratio: 0.55, halfLoadP99Ms: 5 },
      });
    } finally {
      await server.stop();
    }
  },
};
