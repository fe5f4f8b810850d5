import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { RedisConnection } from '../../src/store/redis/connection.ts';
import { FakeTime } from '../helpers/fake-time.ts';
import { redisSkip, testConnection } from '../helpers/redis.ts';

/** An operation of a differential run; 'advance' steps the shared clock before both stores see it. */
export type DifferentialOp = { readonly op: string; readonly ms?: number };

export interface Differential<S extends { close(): Promise<void> }, O extends DifferentialOp> {
  /** What the test is called ("<what>: memory and Redis agree"). */
  readonly what: string;
  readonly ops: fc.Arbitrary<O>;
  /** One call on one store, its answer in a form both backends must give alike. */
  readonly apply: (store: S, op: O, time: FakeTime) => Promise<unknown>;
  readonly memory: (time: FakeTime) => S;
  readonly redis: (time: FakeTime, redis: RedisConnection) => S;
}

/**
 * Runs random sequences of `ops` on a memory store and a Redis store side by
 * side on one fake clock and requires the same answer from both at every
 * step. FUZZ_RUNS sets the number of runs (100), FUZZ_SEED replays one.
 */
export async function differentialTest<S extends { close(): Promise<void> }, O extends DifferentialOp>(d: Differential<S, O>): Promise<void> {
  const skip = redisSkip();
  if (skip) {
    test(`${d.what}: memory and Redis agree`, { skip }, () => {});
    return;
  }
  const connection = await testConnection();
  let n = 0;
  test(`${d.what}: random sequences of every call give the same answers on memory and on Redis`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(d.ops, { minLength: 1, maxLength: 60, size: 'max' }), async (ops) => {
        const time = new FakeTime();
        const memory = d.memory(time);
        const redis = d.redis(time, { ...connection, prefix: `${connection.prefix}${n++}:` });
        try {
          for (const [i, o] of ops.entries()) {
            if (o.op === 'advance') time.advance(o.ms!);
            const expected = await d.apply(memory, o, time);
            const got = await d.apply(redis, o, time);
            assert.deepEqual(got, expected, `op ${i} ${JSON.stringify(o)} at ${time.now()} ms: Redis (actual) and memory (expected) differ`);
          }
        } finally {
          await memory.close();
          await redis.close();
        }
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 100), ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) | 0 } : {}) },
    );
  });
}
