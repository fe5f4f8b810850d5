import { fileURLToPath } from 'node:url';
import { runLoad } from './load.ts';
import type { ScenarioContext } from './scenario.ts';
import type { ServerProcess } from './servers.ts';

const PLAN_MODULE = fileURLToPath(new URL('./plan.ts', import.meta.url));

/**
 * Creates inboxes `prefix-first` … `prefix-(first+count-1)` on the server
 * (one empty GET each, through the load generator). Fails unless every one
 * answered 204 (created). Resolves to the creation rate. `pipelining` 1 for
 * a server that answers later (STORE=redis: uWS closes a connection on which
 * a request arrives behind one still unanswered).
 */
export async function createInboxes(ctx: ScenarioContext, server: ServerProcess, prefix: string, count: number, first = 0, pipelining = 10): Promise<number> {
  const connections = Math.min(ctx.options.connections, count);
  const { result } = await runLoad(
    {
      mode: 'closed',
      port: server.port,
      plan: { module: PLAN_MODULE, fn: 'createInboxes', args: { prefix, first, count } },
      connections,
      pipelining,
      durationSec: 0,
      warmupSec: 0,
    },
    server.pid,
    ctx.options,
    600,
  );
  const created = result.statusCodes['204'] ?? 0;
  if (created !== count || result.errors > 0) {
    throw new Error(`creating ${count} inboxes "${prefix}-…": ${created} created, statuses ${JSON.stringify(result.statusCodes)}, ${result.errors} errors`);
  }
  return result.requestsPerSec;
}
