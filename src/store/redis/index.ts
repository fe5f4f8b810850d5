/**
 * The Redis backend (STORE=redis), loaded only when it is chosen: a node on
 * the memory store never loads ioredis or these modules.
 */
import type { Clock } from '../../clock.ts';
import type { Stores, StoreSettings } from '../index.ts';
import type { SweepSchedule } from '../memory/sweeping.ts';
import { RedisCallStateStore } from './call-state.ts';
import { connectRedis, type RedisConnectOptions, type RedisConnection } from './connection.ts';
import { RedisInboxStore } from './inbox.ts';
import { RedisLoopStore } from './loop.ts';
import { RedisLoopRoomStore } from './rooms.ts';
import { loadLibraries } from './script.ts';

export { RedisStartError } from './connection.ts';

/** What createStores and the limits need of a connected Redis backend. */
export interface RedisBackend {
  readonly connection: RedisConnection;
  /** Every store, on this connection, on Redis's clock. */
  stores(settings: StoreSettings, sweep: { inboxes: SweepSchedule; loop: SweepSchedule }, onBackgroundError?: (err: unknown) => void): Stores;
  close(): Promise<void>;
}

/**
 * The backend on a connection made already (tests share one). `clock`, tests
 * only: the scripts read it instead of Redis's clock.
 */
export function redisBackend(connection: RedisConnection, clock?: Clock): RedisBackend {
  return {
    connection,
    stores(settings, sweep, onBackgroundError) {
      const o = { redis: connection, clock, onBackgroundError };
      return {
        inbox: new RedisInboxStore({ ...settings, ...o, sweep: sweep.inboxes }),
        loop: new RedisLoopStore({ ...o, limits: settings.loopLimits, sweep: sweep.loop }),
        rooms: new RedisLoopRoomStore({ ...o, sweep: sweep.loop }),
        callState: new RedisCallStateStore({ ...o, callDurationMs: settings.callDurationMs, maxCalls: settings.loopLimits.calls, sweep: sweep.loop }),
      };
    },
    close: () => connection.close(),
  };
}

/**
 * Connects (refusing with a RedisStartError when Redis does not answer in
 * time), loads the scripts as Redis functions, and returns the backend.
 */
export async function openRedisBackend(o: RedisConnectOptions): Promise<RedisBackend> {
  const connection = await connectRedis(o);
  if (await loadLibraries(connection.cmd)) o.log.info('Redis store: operations run as Redis functions');
  else o.log.warn('Redis refused FUNCTION LOAD (Redis before 7.0, or an ACL without it): operations run as EVAL scripts, which cost Redis more');
  await warnWithoutEval(connection, o.log);
  return redisBackend(connection);
}

/**
 * The per-client creation limits count in Redis with rate-limiter-flexible's
 * own script (EVALSHA, then EVAL). Refused (an ACL without them), each node
 * falls back to counting on its own, silently: say so once at start.
 */
async function warnWithoutEval(connection: RedisConnection, log: RedisConnectOptions['log']): Promise<void> {
  try {
    await connection.cmd.eval('return 1', 0);
  } catch (err) {
    log.warn(
      { reason: (err as Error).message },
      'Redis refused EVAL: the per-client creation limits (RATE_LIMIT_NEW_INBOXES, Loop registrations and rooms) count on each node, not across the deployment; allow +eval +evalsha',
    );
  }
}
