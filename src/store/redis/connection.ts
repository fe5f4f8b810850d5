import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { redactedUrl } from '../../config-secrets.ts';
import { redisDeadlines } from './deadlines.ts';
import { DeliveryProbe } from './delivery-probe.ts';
import { COMMAND_TIMEOUT_MS } from './timeouts.ts';

export { COMMAND_TIMEOUT_MS };
/** How long a node waits for Redis at start before it refuses to start. */
export const START_TIMEOUT_MS = 5000;
/** How often a node checks that its subscriptions deliver, and how long it waits for its probe. */
const PROBE_EVERY_MS = 5000;
const PROBE_TIMEOUT_MS = 2000;
/** How long a Sentinel may take to name the primary before the next one is asked. */
const SENTINEL_TIMEOUT_MS = 1000;

/** A node's two connections to the deployment's Redis, and the prefix of its keys and channels. */
export interface RedisConnection {
  /** Commands and scripts; the commands of concurrent requests go out without waiting for each other (auto-pipelining). */
  readonly cmd: Redis;
  /** Subscriptions only (a subscribed connection takes no other command). */
  readonly sub: Redis;
  readonly prefix: string;
  /** Where Redis is, as the start-up line says it: its URL without the password, and the Sentinels that name it. */
  readonly where: string;
  /** Whether the subscriber connection delivered the last probe (DeliveryProbe). */
  readonly delivering: boolean;
  /** `work` (a call to this Redis on a request's path), or a StoreError once it took longer than a request may wait (deadlines.ts). */
  within<T>(work: Promise<T>, operation: string): Promise<T>;
  close(): Promise<void>;
}

export class RedisStartError extends Error {}

/** Whether Redis answers and the subscriptions deliver (a node whose readers would never be woken is not healthy). */
export async function redisHealthy(redis: RedisConnection): Promise<boolean> {
  try {
    return (await redis.cmd.ping()) === 'PONG' && redis.delivering;
  } catch {
    return false;
  }
}

/** Sentinels (host:port) to ask for the current primary of `name`; a failover moves both connections to the new one. */
export interface SentinelSettings {
  readonly hosts: readonly string[];
  readonly name: string;
  readonly username?: string;
  readonly password?: string;
  /** Reach the Sentinels with TLS (their certificates checked against `tlsCa`, or Node's CAs). */
  readonly tls?: boolean;
}

export interface RedisConnectOptions {
  /** The Redis (or, with `sentinel`, only its user, password, database and TLS). */
  readonly url: string;
  readonly sentinel?: SentinelSettings;
  /** PEM certificates of the CAs that sign the servers' TLS certificates (rediss://, Sentinels with TLS); absent: Node's. */
  readonly tlsCa?: string;
  readonly prefix: string;
  readonly log: Logger;
  readonly startTimeoutMs?: number;
  readonly commandTimeoutMs?: number;
  /** How often the subscriber's delivery is probed (0: never), and how long a probe may take. */
  readonly probeEveryMs?: number;
  readonly probeTimeoutMs?: number;
}

/**
 * Connects to Redis; rejects with a RedisStartError when it does not answer
 * within the start timeout. While Redis is unreachable later, commands fail
 * at once (no offline queue: an outage must not pile up stale writes in
 * memory) or after the command timeout, and are never sent twice; both
 * connections reconnect by themselves, and ioredis subscribes again.
 */
export async function connectRedis(o: RedisConnectOptions): Promise<RedisConnection> {
  const common = {
    lazyConnect: true,
    connectTimeout: Math.min(o.startTimeoutMs ?? START_TIMEOUT_MS, 2000),
    commandTimeout: o.commandTimeoutMs ?? COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (attempt: number) => Math.min(attempt * 50, 500),
  };
  // ioredis turns TLS on for a rediss:// URL, but in Sentinel mode only with enableTLSForSentinelMode:
  // without it, the primary named by the Sentinels would be reached in plain text.
  const checkedBy = o.tlsCa ? { ca: o.tlsCa } : {};
  const tls = o.url.startsWith('rediss:') ? { tls: checkedBy, enableTLSForSentinelMode: true } : {};
  const sentinel = o.sentinel ? sentinelOptions(o.sentinel, checkedBy) : {};
  const url = redactedUrl(o.url);
  const via = o.sentinel ? `via Sentinels ${o.sentinel.hosts.join(',')} (${o.sentinel.name})` : undefined;
  const cmd = new Redis(o.url, { ...common, ...tls, ...sentinel, enableOfflineQueue: false, enableAutoPipelining: true, connectionName: 'signalbox' });
  // The subscriber keeps an offline queue: a SUBSCRIBE made while it reconnects is sent once it is back.
  const sub = new Redis(o.url, { ...common, ...tls, ...sentinel, enableOfflineQueue: true, autoResubscribe: true, connectionName: 'signalbox-sub' });
  let closing = false;
  const lastError = watchHealth(cmd, 'commands', o.log, () => closing);
  watchHealth(sub, 'subscriptions', o.log, () => closing);
  let probe: DeliveryProbe | undefined;
  const close = async () => {
    closing = true;
    probe?.stop();
    await Promise.all([cmd, sub].map((c) => c.quit().catch(() => c.disconnect())));
  };
  try {
    const ms = o.startTimeoutMs ?? START_TIMEOUT_MS;
    await withDeadline(Promise.all([ready(cmd), ready(sub)]), ms, () => {
      const why = lastError();
      return new RedisStartError(`Redis ${via ?? `at ${url}`} did not answer within ${ms / 1000} s${why ? ` (last error: ${why})` : ''}`);
    });
    await checkDatabase(cmd, o.url, via ?? `at ${url}`);
  } catch (err) {
    cmd.disconnect();
    sub.disconnect();
    throw err;
  }
  await warnOnEviction(cmd, o.log);
  probe = new DeliveryProbe({
    cmd, sub, prefix: o.prefix, log: o.log, everyMs: o.probeEveryMs ?? PROBE_EVERY_MS, timeoutMs: o.probeTimeoutMs ?? PROBE_TIMEOUT_MS,
  });
  const delivery = probe;
  return {
    cmd, sub, prefix: o.prefix, close,
    where: via ? `${url} ${via}` : url,
    within: (work, operation) => redisDeadlines.within(work, operation),
    get delivering() {
      return delivery.healthy;
    },
  };
}

/**
 * ioredis's Sentinel mode: it asks the Sentinels for the primary of `name`
 * and connects there, and again whenever the connection is lost (a demoted
 * primary drops its clients: what test/redis/sentinel.test.ts sees). Two more
 * ways to notice a failover, for a primary that is cut off rather than
 * demoted, or that keeps its clients: a Sentinel announcing the switch
 * (failoverDetector), and a READONLY answer.
 */
function sentinelOptions(s: SentinelSettings, checkedBy: { ca?: string }): RedisOptions {
  return {
    sentinels: s.hosts.map((entry) => {
      const at = entry.lastIndexOf(':');
      return { host: entry.slice(0, at), port: Number(entry.slice(at + 1)) };
    }),
    name: s.name,
    sentinelUsername: s.username,
    sentinelPassword: s.password,
    sentinelTLS: s.tls ? checkedBy : undefined,
    // The Sentinels are asked one after the other: without a timeout, one that accepts connections
    // but never answers (a frozen host) would hold the node there, and the others never be asked.
    sentinelCommandTimeout: SENTINEL_TIMEOUT_MS,
    failoverDetector: true,
    reconnectOnError: (err) => err.message.startsWith('READONLY'),
  };
}

/**
 * ioredis selects the URL's database on connecting, but when Redis refuses it
 * (a number past its `databases`) it only emits an error and goes on in
 * database 0, where another deployment's keys may be: refuse the start instead.
 */
async function checkDatabase(cmd: Redis, url: string, where: string): Promise<void> {
  const db = Number(new URL(url).pathname.slice(1) || 0);
  if (db === 0) return;
  try {
    await cmd.select(db);
  } catch (err) {
    throw new RedisStartError(`Redis ${where} refused database ${db} of the URL: ${(err as Error).message}`);
  }
}

/** Resolves on the connection's first 'ready', whatever failed attempts come before it. */
function ready(client: Redis): Promise<void> {
  return new Promise((resolve) => {
    client.once('ready', () => resolve());
    client.connect().catch(() => {}); // retried by retryStrategy until ready or disconnected
  });
}

/** `p`, or the error `late` makes once `ms` passed without it. */
export function withDeadline<T>(p: Promise<T>, ms: number, late: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late()), ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

/**
 * One log line when a connection is lost and one when it is back, not one per failed attempt.
 * Returns what the connection's last error said (for the start refusal: a TLS certificate refused, say).
 */
function watchHealth(client: Redis, role: string, log: Logger, closing: () => boolean): () => string {
  let lost = false;
  let lastError = '';
  client.on('error', (err: Error) => {
    lastError = err.message; // without a listener an 'error' event would end the process
  });
  client.on('close', () => {
    if (lost || closing()) return;
    lost = true;
    log.warn({ role, reason: lastError || undefined }, 'Redis connection lost; reconnecting');
  });
  client.on('ready', () => {
    if (!lost) return;
    lost = false;
    log.info({ role }, 'Redis connection back');
  });
  return () => lastError;
}

/** Eviction would silently drop inboxes and queued messages (scale-out: warn at start). */
async function warnOnEviction(cmd: Redis, log: Logger): Promise<void> {
  try {
    const reply = (await cmd.config('GET', 'maxmemory-policy')) as string[];
    const policy = reply[1];
    if (policy !== undefined && policy !== 'noeviction') {
      log.warn({ policy }, `Redis maxmemory-policy is ${policy}: under memory pressure Redis would drop inboxes and queued messages; set it to noeviction`);
    }
  } catch (err) {
    log.warn({ reason: (err as Error).message }, 'could not read Redis maxmemory-policy (CONFIG refused); make sure it is noeviction');
  }
}
