import { performance } from 'node:perf_hooks';
// @ts-expect-error: a plain JavaScript module, shared with the tests
import { startRedisServer } from '../../test/helpers/redis-server.mjs';
import type { Row, Scenario } from '../lib/scenario.ts';
import { startSignalbox, type ServerProcess } from '../lib/servers.ts';

const SECRET = 'bench-shared-secret-of-at-least-32-characters';
const READERS = 100;
/** Messages per second over all readers: a moderate load, as the spec's wake-up figure asks. */
const RATE = 500;

const auth = (name: string) => ({ authorization: `Basic ${Buffer.from(`${name}:pw`).toString('base64')}` });

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * READERS long-polls wait on `readerNode`; messages go through `senderNode`
 * at RATE/s, round robin, each carrying the time it was sent. Latency: from
 * just before the POST to the reader's answer (the POST's own round trip
 * included). Bounded by `seconds` and by the number of messages.
 */
async function measure(senderNode: ServerProcess, readerNode: ServerProcess, seconds: number, tag: string): Promise<{ latencies: number[]; sends: number[]; errors: number }> {
  const latencies: number[] = [];
  const sends: number[] = [];
  let errors = 0;
  let running = true;
  const names = Array.from({ length: READERS }, (_, i) => `${tag}-r${i}`);
  for (const name of names) await fetch(`${readerNode.url}/inbox`, { headers: auth(name) }); // create
  await fetch(`${senderNode.url}/inbox`, { headers: auth(`${tag}-sender`) });
  const readers = names.map(async (name) => {
    while (running) {
      try {
        const r = await fetch(`${readerNode.url}/inbox?wait=5`, { headers: auth(name) });
        const body = await r.text();
        if (r.status === 200) latencies.push(performance.now() - Number(body));
        else if (r.status !== 204) errors++;
      } catch {
        errors++;
      }
    }
  });
  await new Promise((r) => setTimeout(r, 200)); // every reader is waiting
  const total = Math.round(RATE * seconds);
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const sentAt = performance.now();
    void fetch(`${senderNode.url}/inbox?to=${names[i % READERS]}`, {
      method: 'POST', headers: { ...auth(`${tag}-sender`), 'content-type': 'text/plain' }, body: String(sentAt),
    }).then((r) => {
      sends.push(performance.now() - sentAt);
      if (r.status !== 204) errors++;
    }, () => errors++);
  }
  await new Promise((r) => setTimeout(r, 500)); // the last ones arrive
  running = false;
  await Promise.race([Promise.all(readers), new Promise((r) => setTimeout(r, 6000))]);
  sends.sort((x, y) => x - y);
  return { latencies, sends, errors };
}

/**
 * The spec's wake-up figure: a message accepted on one node reaches a reader
 * waiting on another within 50 ms (p99, loopback, moderate load). Both nodes
 * and Redis share the server's core; the same measured with sender and
 * reader on one node, and on one memory-store node, for comparison.
 */
export const scenario: Scenario = {
  name: 'redis-wakeup',
  description: `STORE=redis: a message sent through one node to a long-poll waiting on another (${READERS} readers, ${RATE} messages/s)`,
  async run(ctx) {
    const seconds = ctx.options.durationSec;
    const redis = await startRedisServer({ cpu: ctx.options.serverCpu });
    const rows: Row[] = [];
    const env = { STORE: 'redis', REDIS_URL: redis.url, SHARED_SECRET: SECRET };
    try {
      const a = await startSignalbox(ctx.options, { env });
      const b = await startSignalbox(ctx.options, { env });
      const memory = await startSignalbox(ctx.options);
      try {
        for (const [run, sender, reader, tag] of [
          ['redis, across nodes', a, b, 'x'],
          ['redis, one node', b, b, 'o'],
          ['memory, one node', memory, memory, 'm'],
        ] as const) {
          ctx.log(`redis-wakeup: ${run}, ${seconds} s`);
          const { latencies, sends, errors } = await measure(sender, reader, seconds, tag);
          latencies.sort((x, y) => x - y);
          const p50 = percentile(latencies, 50);
          const p99 = percentile(latencies, 99);
          const [postP50, postP99] = [percentile(sends, 50), percentile(sends, 99)];
          ctx.log(`redis-wakeup: ${run}: ${latencies.length} messages, p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms (the POSTs alone: p50 ${postP50.toFixed(2)}, p99 ${postP99.toFixed(2)}), ${errors} errors`);
          const ms = (x: number) => Math.round(x * 100) / 100;
          rows.push({
            scenario: 'redis-wakeup', run, p50Ms: ms(p50), p99Ms: ms(p99),
            warnings: errors > 0 ? [`${errors} errors`] : [], extra: { messages: latencies.length, postP50Ms: ms(postP50), postP99Ms: ms(postP99) },
          });
        }
      } finally {
        await Promise.all([a.stop(), b.stop(), memory.stop()]);
      }
      const across = rows[0];
      return {
        rows,
        targets: [{
          scenario: 'redis-wakeup', what: 'p99 from send on one node to the reader on another', target: '≤ 50 ms',
          value: across.p99Ms ?? null, met: across.p99Ms === undefined ? null : across.p99Ms <= 50,
        }],
      };
    } finally {
      await redis.stop();
    }
  },
};
