import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
// @ts-expect-error: a plain JavaScript module, shared with the tests
import { startRedisServer } from '../../test/helpers/redis-server.mjs';
import { runLoad } from '../lib/load.ts';
import { cpuSeconds } from '../lib/procs.ts';
import type { Row, Scenario } from '../lib/scenario.ts';
import { createInboxes } from '../lib/setup.ts';
import { startSignalbox } from '../lib/servers.ts';
import { measureThroughput } from '../lib/throughput.ts';
import { readEmptyPlan } from './get-empty.ts';
import { sendPlan } from './post-inbox.ts';
import { PAIRS_PER_CONNECTION, type PairArgs } from './round-trip.ts';

const SECRET = 'bench-shared-secret-of-at-least-32-characters';
const ROUND_TRIP = fileURLToPath(new URL('./round-trip.ts', import.meta.url));

interface RedisServer {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Redis's own count of the memory its data takes (INFO memory used_memory). */
async function usedMemory(admin: Redis): Promise<number> {
  const info = await admin.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)![1]);
}

/**
 * STORE=redis on one node: the same empty GETs, POSTs and round trips as
 * get-empty, post-inbox and round-trip, each operation a script on a Redis pinned to the server's core
 * (so node and Redis share one core, the per-core figure), then Redis's
 * memory per idle inbox and per queued message. Compare with the memory
 * store's rows of the same run (BENCH_ONLY=get-empty,post-inbox,redis-inbox).
 */
export const scenario: Scenario = {
  name: 'redis-inbox',
  description: 'STORE=redis, one node: empty GETs, POSTs and round trips (Redis on the server core), Redis bytes per idle inbox and per queued message',
  async run(ctx) {
    const count = ctx.options.quick ? 2_000 : 10_000;
    const redis: RedisServer = await startRedisServer({ cpu: ctx.options.serverCpu });
    const admin = new Redis(redis.url);
    const rows: Row[] = [];
    try {
      const server = await startSignalbox(ctx.options, {
        env: { STORE: 'redis', REDIS_URL: redis.url, SHARED_SECRET: SECRET, INBOX_CAPACITY: '1000000' },
      });
      try {
        await createInboxes(ctx, server, 'g', count, 0, 1);
        await createInboxes(ctx, server, 'p', count, 0, 1);
        const pairs = 4 * ctx.options.connections * PAIRS_PER_CONNECTION;
        await createInboxes(ctx, server, 'rt-a', pairs, 0, 1);
        await createInboxes(ctx, server, 'rt-b', pairs, 0, 1);
        const roundTrip = { module: ROUND_TRIP, fn: 'sendAndReceive', args: { pairs } satisfies PairArgs };
        for (const [name, plan, ceiling] of [
          ['redis-get-empty', readEmptyPlan({ prefix: 'g', count }), 'get'],
          ['redis-post-inbox', sendPlan({ prefix: 'p', count }), 'post'],
          // A POST, then the GET that takes that message (and, since it is a one-shot read, releases its hold).
          ['redis-round-trip', roundTrip, 'both'],
        ] as const) {
          const redisCpuBefore = cpuSeconds(redis.pid);
          const started = process.hrtime.bigint();
          const result = await measureThroughput(ctx, {
            scenario: name, server, plan, ceiling,
            maxMode: ctx.options.generator === 'raw' ? 'closed' : 'autocannon',
            // Every answer waits for Redis, and uWS closes a connection on which a request arrives
            // behind an unanswered one: one request in flight per connection, more connections, and
            // no open-loop run (it would put requests behind slow ones). redis-wakeup measures latency.
            pipelining: 1,
            connections: 4 * ctx.options.connections,
            halfLoad: false,
          });
          // Over the whole max run, warm-up included, as if every second ran at the measured rate.
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          const redisShare = (cpuSeconds(redis.pid) - redisCpuBefore) / seconds;
          const reqPerSec = result.rows[0]?.reqPerSec ?? 0;
          const redisUs = reqPerSec > 0 ? Math.round((redisShare * 1e6 * 100) / reqPerSec) / 100 : 0;
          ctx.log(`${name}: Redis used ${Math.round(redisShare * 100)} % of a core, about ${redisUs} µs per request`);
          rows.push(...result.rows.map((r) => ({ ...r, extra: { ...r.extra, redisCpuPct: Math.round(redisShare * 100), redisUsPerRequest: redisUs } })));
        }
      } finally {
        await server.stop();
      }

      // Memory, through the node as a client would make it: idle inboxes, then queued messages.
      const idle = ctx.options.quick ? 10_000 : 100_000;
      const memoryNode = await startSignalbox(ctx.options, {
        env: { STORE: 'redis', REDIS_URL: redis.url, SHARED_SECRET: SECRET, KEY_PREFIX: 'mem:', INBOX_CAPACITY: '1000000' },
      });
      try {
        const before = await usedMemory(admin);
        await createInboxes(ctx, memoryNode, 'idle', idle, 0, 1);
        const afterInboxes = await usedMemory(admin);
        const perInbox = Math.round((afterInboxes - before) / idle);
        ctx.log(`redis-inbox: ${idle.toLocaleString('en')} idle inboxes: Redis used_memory +${((afterInboxes - before) / 2 ** 20).toFixed(1)} MiB, ${perInbox} B/inbox`);
        rows.push({ scenario: 'redis-inbox', run: `${idle.toLocaleString('en')} idle inboxes`, warnings: [], extra: { redisBytesPerInbox: perInbox } });
        // One message to each idle inbox: the typical ICE candidate body of post-inbox.
        const { result } = await runLoad(
          { mode: 'closed', port: memoryNode.port, plan: sendPlan({ prefix: 'idle', count: idle }), connections: 4 * ctx.options.connections, pipelining: 1, durationSec: 0, warmupSec: 0 },
          memoryNode.pid, ctx.options, 600,
        );
        if ((result.statusCodes['204'] ?? 0) !== idle) throw new Error(`redis-inbox: filling: statuses ${JSON.stringify(result.statusCodes)}`);
        const queued = Number(await admin.get('mem:m'));
        const afterMessages = await usedMemory(admin);
        const perMessage = queued > 0 ? Math.round((afterMessages - afterInboxes) / queued) : 0;
        ctx.log(`redis-inbox: ${queued.toLocaleString('en')} queued messages (~150-byte bodies): ${perMessage} B/message in Redis`);
        rows.push({ scenario: 'redis-inbox', run: `${queued.toLocaleString('en')} queued messages`, warnings: [], extra: { redisBytesPerMessage: perMessage } });
      } finally {
        await memoryNode.stop();
      }
      return { rows, targets: [] };
    } finally {
      admin.disconnect();
      await redis.stop();
    }
  },
};
