import { fileURLToPath } from 'node:url';
import { authOf, inboxName, share, type ConnectionPlan } from '../lib/plan.ts';
import type { Scenario } from '../lib/scenario.ts';
import { createInboxes } from '../lib/setup.ts';
import { startSignalbox } from '../lib/servers.ts';
import { measureThroughput } from '../lib/throughput.ts';

const MODULE = fileURLToPath(import.meta.url);
const BODY = JSON.stringify({ type: 'offer', sdp: 'v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' });
/** Cycles one connection may have in flight in the max run; each connection owns more pairs than that. */
const IN_FLIGHT = 4;
export const PAIRS_PER_CONNECTION = 20;

export interface PairArgs {
  /** Pairs in all: sender `rt-a-N` writes to recipient `rt-b-N`. */
  readonly pairs: number;
}

/**
 * Plan: one cycle = sender A POSTs to B (204), then B's GET returns that very
 * message (200). Connection c owns its share of the pairs and uses them in
 * turn, so two cycles in flight on a connection never share a pair.
 */
export function sendAndReceive(args: PairArgs, c: number, connections: number): ConnectionPlan {
  const [from, to] = share(args.pairs, c, connections);
  return {
    cycles: to - from,
    cycle: (i) => {
      const a = inboxName('rt-a', from + i);
      const b = inboxName('rt-b', from + i);
      return [
        { method: 'POST', path: `/inbox?to=${b}`, headers: { ...authOf(a), 'content-type': 'application/json' }, body: BODY, expect: 204 },
        { method: 'GET', path: '/inbox', headers: authOf(b), expect: 200 },
      ];
    },
  };
}

export const scenario: Scenario = {
  name: 'round-trip',
  description: 'send + receive: A POSTs to B, then B GETs the message (latency per round trip)',
  async run(ctx) {
    const pairs = ctx.options.connections * PAIRS_PER_CONNECTION;
    const server = await startSignalbox(ctx.options);
    try {
      await createInboxes(ctx, server, 'rt-a', pairs);
      await createInboxes(ctx, server, 'rt-b', pairs);
      return await measureThroughput(ctx, {
        scenario: 'round-trip',
        server,
        plan: { module: MODULE, fn: 'sendAndReceive', args: { pairs } satisfies PairArgs },
        maxMode: 'closed',
        pipelining: IN_FLIGHT,
        ceiling: 'both',
        targets: { ratio: 0.5, halfLoadP99Ms: 5 },
      });
    } finally {
      await server.stop();
    }
  },
};
