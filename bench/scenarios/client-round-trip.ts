import { fileURLToPath } from 'node:url';
import type { ClientRoundTripSpec } from '../lib/clientgen.ts';
import { runGenerator } from '../lib/load.ts';
import { rowOf, type Row, type Scenario } from '../lib/scenario.ts';
import { startSignalbox } from '../lib/servers.ts';

const CLIENTGEN = fileURLToPath(new URL('../lib/clientgen.ts', import.meta.url));
const PAIRS = 100;

/**
 * Round trips between real peers: pairs of InboxClient (src/client, what the
 * demo uses) ping-pong through signalbox, once over the WebSocket transport and
 * once over long-polling. Measures what a user of the library gets, latency
 * per round trip included (two sends, two deliveries).
 */
export const scenario: Scenario = {
  name: 'client-round-trip',
  description: `InboxClient ping-pong between ${PAIRS} pairs of peers, over WebSocket and over long-polling`,
  async run(ctx) {
    const server = await startSignalbox(ctx.options);
    const rows: Row[] = [];
    try {
      for (const transport of ['websocket', 'poll'] as const) {
        ctx.log(`client-round-trip: ${PAIRS} pairs over ${transport}, ${ctx.options.durationSec} s`);
        const spec: ClientRoundTripSpec = {
          port: server.port, pairs: PAIRS, transport, durationSec: ctx.options.durationSec, warmupSec: Math.min(1, ctx.options.warmupSec),
        };
        const m = await runGenerator(CLIENTGEN, spec, server.pid, ctx.options);
        rows.push(rowOf('client-round-trip', transport, m));
      }
      // The issue sets no figure for this one: reported, not checked.
      return { rows, targets: [] };
    } finally {
      await server.stop();
    }
  },
};
