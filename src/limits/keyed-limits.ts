import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RedisConnection } from '../store/redis/connection.ts';

/** A count of events per client key over a window: how many inboxes, registrations, rooms a client made. */
export interface KeyedLimit {
  /** Counts one event for `key`: resolves to 0 when within the limit, else the seconds until it may succeed (≥ 1). */
  take(key: string): Promise<number>;
}

/**
 * Who is counted, named on demand: `client` is the key of per-client limits
 * ('' when none), read only when a limit counts something (reading an HTTP
 * request's address has a cost).
 */
export interface ClientRef {
  readonly client: string;
}

/** Counted against nobody: no per-client limit applies. */
export const NO_CLIENT: ClientRef = Object.freeze({ client: '' });

/** The limits on what a client creates; each is null when off. */
export interface CreationLimits {
  /** New inboxes per client address (GET/POST /inbox, /inbox/ws auth, /turn-credentials). */
  readonly newInboxes: KeyedLimit | null;
  /** Anonymous Loop registrations (POST /registration without credentials). */
  readonly registrations: KeyedLimit | null;
  /** Loop rooms created (POST /rooms). */
  readonly rooms: KeyedLimit | null;
}

/** Events allowed per minute for each limit; 0 = that limit off. */
export interface CreationLimitSettings {
  readonly newInboxesPerMin: number;
  readonly registrationsPerMin: number;
  readonly roomsPerMin: number;
}

export const NO_CREATION_LIMITS: CreationLimits = { newInboxes: null, registrations: null, rooms: null };

/**
 * The one place the creation limiters are built: rate-limiter-flexible
 * limiters in this process's memory, or, with a Redis connection (STORE=redis),
 * in Redis, so that each limit holds across the deployment, counted on
 * Redis's clock. While Redis fails, a memory limiter with the same limit
 * stands in on each node (rate-limiter-flexible's insurance), so a client is
 * neither refused for the outage nor unlimited.
 */
export function createCreationLimits(s: CreationLimitSettings, redis?: RedisConnection): CreationLimits {
  return {
    newInboxes: perMinute('inbox', s.newInboxesPerMin, redis),
    registrations: perMinute('registration', s.registrationsPerMin, redis),
    rooms: perMinute('room', s.roomsPerMin, redis),
  };
}

function perMinute(name: string, points: number, redis: RedisConnection | undefined): KeyedLimit | null {
  if (points <= 0) return null;
  const memory = new RateLimiterMemory({ keyPrefix: name, points, duration: 60 });
  if (!redis) return new FlexibleLimit(memory);
  const limiter = new RateLimiterRedis({
    storeClient: redis.cmd, keyPrefix: `${redis.prefix}rl:${name}`, points, duration: 60, insuranceLimiter: memory,
  });
  // Redis refusing is covered by the insurance; Redis hanging is not (its call waits behind the commands sent
  // before it): give up within a request's allowance, as the store does, so the request is answered 503 in time.
  return new FlexibleLimit(limiter, (work) => redis.within(work, `${name} limit`));
}

/** rate-limiter-flexible behind KeyedLimit: a refusal (a RateLimiterRes rejection) becomes its wait in seconds. */
class FlexibleLimit implements KeyedLimit {
  constructor(
    private readonly limiter: RateLimiterAbstract,
    private readonly inTime: <T>(work: Promise<T>) => Promise<T> = (work) => work,
  ) {}

  take(key: string): Promise<number> {
    return this.inTime(this.limiter.consume(key)).then(
      () => 0,
      (refused: unknown) => {
        if (refused instanceof RateLimiterRes) return Math.max(1, Math.ceil(refused.msBeforeNext / 1000));
        throw refused; // the store failed (not possible in memory)
      },
    );
  }
}
