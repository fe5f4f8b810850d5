import { createApp, type AppDeps } from '../../src/app.ts';
import { systemClock, systemTimers } from '../../src/clock.ts';
import { loadConfig } from '../../src/config.ts';
import { storeSettings } from '../../src/compose.ts';
import { closeStores, createStores, type Stores } from '../../src/store/index.ts';
import { redisBackend } from '../../src/store/redis/index.ts';
import { loopEnv } from './loop.ts';
import { testRedisUrl, uniquePrefix } from './redis.ts';
import { connectRedis, type RedisConnection } from '../../src/store/redis/connection.ts';
import pino from 'pino';
import type { TestServer } from './server.ts';

/** One secret for every app of a cluster: they must derive the same keyed hashes. */
export const CLUSTER_SECRET = 'cluster-test-shared-secret-0123456789abcdef';

export interface ClusterApp extends TestServer {
  /**
   * Stops this app the way a crash would: its store handle is dropped first
   * (every later store call from it never completes, no event reaches it),
   * so it releases nothing it holds (reader claims, call devices), then its
   * sockets close.
   */
  crash(): Promise<void>;
}

export interface Cluster {
  readonly apps: readonly ClusterApp[];
  /** The one set of stores every app shares (Redis: the stores of one more node, to look at the shared state). */
  readonly stores: Stores;
  /** The stores each app runs on, without duplicates (memory: the one shared set; Redis: one set per app). */
  readonly nodeStores: readonly Stores[];
  close(): Promise<void>;
}

export interface ClusterOptions {
  /** The apps share one Loop config file: the §17 settings merged with this, as for startLoopServer. */
  readonly loop?: Record<string, unknown>;
  /**
   * Each store answer reaches its app this many ms (real timers) after the
   * store acted, like the round trip to a networked store: a check made in
   * one call and a write made in the next can then interleave with other
   * apps' calls, as they would on Redis.
   */
  readonly storeLatencyMs?: number;
  /**
   * 'redis': each app has its own connection to the run's Redis and its own
   * Redis stores, all under one fresh prefix, as the nodes of a deployment
   * would. Default: the apps share one set of memory stores. The
   * CLUSTER_STORE environment variable (memory or redis) sets it when absent.
   */
  readonly store?: 'memory' | 'redis';
}

/**
 * Starts `n` apps in this process, each on its own port of 127.0.0.1, on one
 * shared set of stores and one SHARED_SECRET: together they must behave as
 * one server. `env` and `deps` are as for startServer (deps.clock/timers
 * drive the shared stores too); `options.loop`, as for startLoopServer, is
 * the Loop config file every app reads (§17 settings merged with it).
 */
export async function startCluster(n: number, env: Record<string, string> = {}, deps: AppDeps = {}, o: ClusterOptions = {}): Promise<Cluster> {
  const config = loadConfig({
    PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', RATE_LIMITS: 'off', SHARED_SECRET: CLUSTER_SECRET,
    ...(o.loop ? loopEnv(o.loop) : {}), ...env,
  });
  const clock = deps.clock ?? systemClock;
  const timers = deps.timers ?? systemTimers;
  const settings = storeSettings(config);
  const prefix = uniquePrefix('cluster');
  const connections: RedisConnection[] = [];
  // A Redis node's stores; with a fake clock the scripts read it instead of Redis's.
  const redisStores = async (): Promise<Stores> => {
    const redis = await connectRedis({ url: await testRedisUrl(), prefix, log: pino({ level: 'silent' }) });
    connections.push(redis);
    const sweep = { timers, everyMs: 1000 };
    return redisBackend(redis, deps.clock).stores(settings, { inboxes: sweep, loop: sweep });
  };
  const redisMode = (o.store ?? process.env.CLUSTER_STORE) === 'redis';
  const stores = redisMode ? await redisStores() : createStores(settings, clock, timers);
  const apps: ClusterApp[] = [];
  const handles: { release(): void }[] = [];
  const nodeStores: Stores[] = redisMode ? [] : [stores];
  for (let i = 0; i < n; i++) {
    const own = redisMode ? await redisStores() : stores;
    if (redisMode) nodeStores.push(own);
    const handle = storeHandle(own, o.storeLatencyMs ?? 0);
    handles.push(handle);
    const app = createApp(config, { metrics: { maxAgeMs: 0 }, bodiesNextTurn: redisMode, ...deps, stores: handle.stores });
    const port = await app.listen();
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await app.close();
    };
    apps.push({
      app, config, port, url: `http://127.0.0.1:${port}`, close,
      async crash() {
        handle.cut();
        // close() waits on store calls that will never complete now: do not wait for it.
        void close();
        await new Promise((r) => setTimeout(r, 50));
      },
    });
  }
  return {
    apps,
    stores,
    nodeStores,
    async close() {
      await Promise.all(apps.map((a) => a.close()));
      for (const handle of handles) handle.release();
      await closeStores(stores);
      // Each app's own Redis stores: an app does not close the stores it was given.
      if (redisMode) await Promise.all(nodeStores.map((s) => closeStores(s)));
      await Promise.all(connections.map((c) => c.close()));
    },
  };
}

/**
 * One app's handle on the shared stores. Until cut it passes every call
 * through (its answer delayed by `latencyMs` when it is a promise); once cut,
 * calls never complete and watchers hear nothing, like a node whose
 * connection to the store is gone.
 */
function storeHandle(shared: Stores, latencyMs: number): { stores: Stores; cut(): void; release(): void } {
  let cut = false;
  const never = new Promise<never>(() => {});
  const calls = { pending: 0, cut: false };
  liveHandles.add(calls);
  const wrap = <T extends object>(store: T): T =>
    new Proxy(store, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (cut) return key === 'watch' ? () => {} : never;
          // A listener (watch, subscribe) stops hearing events once the handle is cut.
          const passed = args.map((a) => (typeof a === 'function' ? (...e: unknown[]) => (cut ? undefined : a(...e)) : a));
          const result = (value as (...a: unknown[]) => unknown).apply(target, passed);
          // With a latency every answer waits, as a networked store's would (the memory store answers at
          // once); a function handed back (watch's unsubscribe) stays as it is.
          if (typeof result === 'function' || (latencyMs === 0 && !(result instanceof Promise))) return result;
          calls.pending++;
          const answer = latencyMs === 0 ? (result as Promise<unknown>) : delayed(Promise.resolve(result), latencyMs);
          return answer.finally(() => calls.pending--);
        };
      },
    });
  return {
    stores: { inbox: wrap(shared.inbox), loop: wrap(shared.loop), rooms: wrap(shared.rooms), callState: wrap(shared.callState) },
    cut: () => void (cut = calls.cut = true),
    release: () => void liveHandles.delete(calls),
  };
}

/** The store calls each app has in flight (a cut handle's never finish, and do not count). */
const liveHandles = new Set<{ pending: number; cut: boolean }>();

/**
 * Resolves once no app of any running cluster waits for its store: what the
 * last step of fake time set off (a lease renewal, a poll) is done. Needed on
 * Redis, whose answers take real time; the memory store answers at once.
 */
export async function storeCallsSettled(timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const busy = () => [...liveHandles].some((h) => !h.cut && h.pending > 0);
  while (busy()) {
    if (Date.now() > deadline) throw new Error(`store calls still in flight after ${timeoutMs} ms`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** `p`'s outcome, `ms` later. */
function delayed<T>(p: Promise<T>, ms: number): Promise<T> {
  const wait = () => new Promise<void>((r) => setTimeout(r, ms));
  return p.then(
    async (v) => (await wait(), v),
    async (e) => {
      await wait();
      throw e;
    },
  );
}
