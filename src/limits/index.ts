import type { Config } from '../config.ts';
import { ClientGate } from '../http/client-gate.ts';
import { TrustedProxies } from './client-address.ts';
import { ConnectionCounter } from './connections.ts';
import { autoMaxConnections, readFdLimits, type FdLimits } from './fd-limits.ts';
import { createCreationLimits, NO_CREATION_LIMITS, type CreationLimits } from './keyed-limits.ts';
import { RequestRate } from './request-rate.ts';
import { TokenBuckets } from './token-bucket.ts';
import type { RedisConnection } from '../store/redis/connection.ts';

export type { ClientRef, CreationLimits, KeyedLimit } from './keyed-limits.ts';
export { NO_CLIENT } from './keyed-limits.ts';

/** Every per-client limit and connection cap, built from the config. */
export interface ClientLimits {
  /** The checks before every HTTP handler and WebSocket upgrade; null when nothing is limited. */
  readonly gate: ClientGate | null;
  readonly creation: CreationLimits;
  /** Frames per WebSocket per second; 0 = no limit. */
  readonly wsFramesPerSec: number;
  /** The open-file limits read at start, and the total connection cap in force (0: none). */
  readonly fd: FdLimits;
  readonly maxConnections: number;
}

type LimitConfig = Pick<
  Config,
  | 'rateLimits' | 'trustProxy' | 'newInboxesPerMin' | 'requestsPerSec' | 'wsFramesPerSec' | 'registrationsPerMin'
  | 'roomsPerMin' | 'maxConnectionsPerClient' | 'maxConnections'
>;

/** Requests saved up beyond the per-second rate: two seconds' worth (a page load, an ICE burst). */
const BURST_SECONDS = 2;

/**
 * Builds the limits; `now` is a monotonic ms clock. RATE_LIMITS=off leaves
 * only the total connection cap. With `redis` (STORE=redis) the creation
 * limits count in Redis, for the whole deployment; the others stay per node.
 */
export function createClientLimits(c: LimitConfig, now: () => number, fd: FdLimits = readFdLimits(), redis?: RedisConnection): ClientLimits {
  const on = c.rateLimits;
  const maxConnections = c.maxConnections === 'auto' ? autoMaxConnections(fd) : c.maxConnections;
  const perClientConnections = on ? c.maxConnectionsPerClient : 0;
  const connections = perClientConnections > 0 || maxConnections > 0 ? new ConnectionCounter(perClientConnections, maxConnections) : null;
  const requests = on && c.requestsPerSec > 0 ? new RequestRate(new TokenBuckets(c.requestsPerSec, c.requestsPerSec * BURST_SECONDS, now)) : null;
  const gate = on || connections ? new ClientGate({ perClient: on, trust: new TrustedProxies(c.trustProxy), requests, connections }) : null;
  return {
    gate,
    creation: on ? createCreationLimits(c, redis) : NO_CREATION_LIMITS,
    wsFramesPerSec: on ? c.wsFramesPerSec : 0,
    fd,
    maxConnections,
  };
}
