import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { after } from 'node:test';
import { Redis } from 'ioredis';
import pino from 'pino';
import type { CallStateStore } from '../../src/store/call-state.ts';
import type { InboxStore } from '../../src/store/inbox.ts';
import { connectRedis, type RedisConnection } from '../../src/store/redis/connection.ts';
// @ts-expect-error: a plain JavaScript module, shared with test/run.mjs
import { freePort, haveRedisServer, startRedisServer } from './redis-server.mjs';

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  /** Its process, for the tests that freeze it (SIGSTOP) as a hung host would be. */
  readonly pid: number;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** Why the Redis tests of this file do not run, or undefined when they do (in CI they always must). */
export function redisSkip(): string | undefined {
  if (process.env.REDIS_TEST_URL || haveRedisServer()) return undefined;
  if (process.env.CI) throw new Error('redis-server is not installed: the Redis store tests cannot run');
  return 'redis-server is not installed (apt-get install redis-server)';
}

let shared: Promise<string> | undefined;

/**
 * The URL of the run's Redis (test/run.mjs starts one and passes it on);
 * a file run on its own starts one for itself, stopped when the file ends.
 */
export function testRedisUrl(): Promise<string> {
  if (process.env.REDIS_TEST_URL) return Promise.resolve(process.env.REDIS_TEST_URL);
  return (shared ??= startRedisServer().then((server: RedisServer & { pid: number; dir: string }) => {
    // Not an after() hook: one registered inside a before() hook would run as soon as that hook ends.
    process.once('exit', () => {
      try {
        process.kill(server.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      rmSync(server.dir, { recursive: true, force: true });
    });
    return server.url;
  }));
}

/** A Redis of this test's own, to stop, kill and restart (fault tests); a replica, a Sentinel, or with TLS, when asked. */
export async function ownRedisServer(
  o: {
    port?: number; dir?: string; appendonly?: boolean; replicaOf?: number;
    sentinelOf?: { name: string; port: number; password?: string; user?: string };
    /** TLS only, with these PEM files (test/helpers/tls-certs.ts); the url is rediss://. */
    tls?: { cert: string; key: string; ca: string };
  } = {},
): Promise<RedisServer> {
  return startRedisServer(o) as Promise<RedisServer>;
}

/**
 * The URL of a user of the run's Redis with all commands, keys and channels
 * but those `denied` (ACL rules such as '-fcall'); the user is deleted when
 * the file ends.
 */
export async function redisUserUrl(denied: readonly string[]): Promise<string> {
  const url = new URL(await testRedisUrl());
  const admin = new Redis(url.toString());
  const user = `sbtest-${randomBytes(6).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  await admin.call('ACL', 'SETUSER', user, 'on', `>${password}`, '~*', '&*', '+@all', ...denied);
  after(async () => {
    await admin.call('ACL', 'DELUSER', user);
    admin.disconnect();
  });
  url.username = user;
  url.password = password;
  return url.toString();
}

/** A prefix no other test uses, so tests share one Redis without seeing each other's keys. */
export const uniquePrefix = (label = 't') => `sbtest:${label}:${randomBytes(6).toString('hex')}:`;

const silent = pino({ level: 'silent' });

/** A node's connection to `url` under a fresh prefix (or `prefix`); closed when the file ends. */
export async function testConnection(o: { url?: string; prefix?: string } = {}): Promise<RedisConnection> {
  const connection = await connectRedis({ url: o.url ?? (await testRedisUrl()), prefix: o.prefix ?? uniquePrefix(), log: silent });
  after(() => connection.close());
  return connection;
}

let marker = 0;

/**
 * Resolves once every event the store's scripts published so far reached
 * its watchers, and every watch made so far is in force: a marker watched
 * through the same subscriber connection is published until it arrives
 * (Redis delivers one connection's messages and subscriptions in order).
 */
export function settleRedisEvents(store: InboxStore, connection: RedisConnection): Promise<void> {
  const name = `__settle__${marker++}`;
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const stop = store.watch(name, () => {
      clearTimeout(timer);
      stop();
      resolve();
    });
    let tries = 0;
    const publish = () => {
      if (tries++ > 200) return reject(new Error('the settle marker never arrived'));
      connection.cmd.publish(`${connection.prefix}ev:${name}`, 'm').catch(reject);
      timer = setTimeout(publish, 10);
    };
    publish();
  });
}

/** Per call store: the marker call it listens to, and the settles waiting for their marker, oldest first. */
const callSettlers = new WeakMap<CallStateStore, Promise<{ callId: string; waiting: (() => void)[] }>>();

/**
 * The call-state store's settleRedisEvents: resolves once every broadcast
 * its scripts published so far reached its listeners. The store listens to
 * a marker call of its own (subscribe resolves once Redis confirmed it);
 * each settle publishes one marker and waits for it (Redis delivers one
 * connection's messages in the order they were published).
 */
export async function settleCallStateEvents(store: CallStateStore): Promise<void> {
  let settler = callSettlers.get(store);
  if (!settler) {
    const callId = `__settle__${marker++}`;
    const waiting: (() => void)[] = [];
    settler = Promise.resolve(store.subscribe(callId, () => waiting.shift()?.())).then(() => ({ callId, waiting }));
    callSettlers.set(store, settler);
  }
  const { callId, waiting } = await settler;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the settle marker never arrived')), 2000);
    waiting.push(() => {
      clearTimeout(timer);
      resolve();
    });
    Promise.resolve(store.publish({ callId, state: 'alerting' })).catch(reject);
  });
}

/** A free loopback port (nothing listens there once it is handed out). */
export const freePortForTests = (): Promise<number> => freePort();
