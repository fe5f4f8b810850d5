import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Redis } from 'ioredis';
import pino from 'pino';
import type { StoredMessage } from '../../src/store/inbox.ts';
import { connectRedis, type RedisConnection } from '../../src/store/redis/connection.ts';
import { RedisInboxStore } from '../../src/store/redis/inbox.ts';
import { eventually } from '../helpers/eventually.ts';
import { startMain } from '../helpers/main-process.ts';
import { ownRedisServer, redisSkip, uniquePrefix } from '../helpers/redis.ts';
import { testCerts } from '../helpers/tls-certs.ts';

const skip = redisSkip();
const NAME = 'sbtls';
const SECRET = 'a deployment secret of 32+ chars, the same on every node';
const silent = pino({ level: 'silent' });

/** An inbox GET through a node started with `env` on the Redis store: the node answered, so Redis did. */
async function nodeServes(env: Record<string, string>): Promise<void> {
  const main = await startMain({ STORE: 'redis', SHARED_SECRET: SECRET, KEY_PREFIX: uniquePrefix('tls'), HOST: '127.0.0.1', PORT: '0', ...env });
  try {
    const listening = main.lines.find((l) => String(l.msg).includes(' listening on '))!;
    const api = (listening.urls as Record<string, string>).api;
    const basic = `Basic ${Buffer.from('carol:pw').toString('base64')}`;
    assert.equal((await fetch(`${api}inbox`, { headers: { authorization: basic } })).status, 204);
  } finally {
    assert.equal((await main.stop()).code, 0);
  }
}

/** The TLS port of the Redis a connection is on (these servers have no plain port: INFO's tcp_port is 0). */
async function tlsPortOf(connection: RedisConnection): Promise<number> {
  return Number(((await connection.cmd.config('GET', 'tls-port')) as string[])[1]);
}

test('a Redis with TLS only: a node on rediss:// checks its certificate against REDIS_TLS_CA, and refuses one another CA signed, saying why', { skip }, async () => {
  const certs = testCerts();
  const redis = await ownRedisServer({ tls: certs });
  after(() => redis.stop());
  assert.match(redis.url, /^rediss:/);
  await nodeServes({ REDIS_URL: redis.url, REDIS_TLS_CA: certs.ca });

  const connect = (ca: string | undefined) => connectRedis({ url: redis.url, tlsCa: ca, prefix: uniquePrefix('tls'), log: silent, startTimeoutMs: 1500 });
  const connection = await connect(certs.caPem);
  after(() => connection.close());
  assert.equal(await tlsPortOf(connection), redis.port);
  // Trusting another CA (or only Node's public ones), the certificate is refused: the refusal says so.
  const { readFileSync } = await import('node:fs');
  await assert.rejects(connect(readFileSync(certs.otherCa, 'utf8')), /did not answer within 1\.5 s \(last error: .*certificate/);
  await assert.rejects(connect(undefined), /did not answer within 1\.5 s \(last error: .*certificate/);
});

test('Sentinels with TLS, naming a primary with TLS: a node reaches both with TLS and follows a failover', { skip }, async () => {
  const certs = testCerts();
  const primary = await ownRedisServer({ tls: certs });
  after(() => primary.stop());
  const replica = await ownRedisServer({ tls: certs, replicaOf: primary.port });
  after(() => replica.stop());
  const tlsClient = (url: string) => new Redis(url, { tls: { ca: certs.caPem } });
  const onPrimary = tlsClient(primary.url);
  after(() => onPrimary.disconnect());
  await eventually(async () => /connected_slaves:1/.test(await onPrimary.info('replication')), 'the replica to attach over TLS', 10_000);
  const sentinel = await ownRedisServer({ tls: certs, sentinelOf: { name: NAME, port: primary.port } });
  after(() => sentinel.stop());
  const ask = tlsClient(sentinel.url);
  after(() => ask.disconnect());
  await eventually(async () => ((await ask.call('SENTINEL', 'REPLICAS', NAME)) as unknown[]).length === 1, 'the Sentinel to know the replica', 25_000);

  // REDIS_URL's host is not used with Sentinels (port 1 answers nothing); its rediss:// says the primary has TLS.
  await nodeServes({ REDIS_URL: 'rediss://127.0.0.1:1', REDIS_SENTINELS: `127.0.0.1:${sentinel.port}`, REDIS_SENTINEL_NAME: NAME, REDIS_SENTINEL_TLS: 'true', REDIS_TLS_CA: certs.ca });

  const connect = (o: { url: string; sentinelTls: boolean }) => connectRedis({
    url: o.url, sentinel: { hosts: [`127.0.0.1:${sentinel.port}`], name: NAME, tls: o.sentinelTls }, tlsCa: certs.caPem,
    prefix: uniquePrefix('tls'), log: silent, startTimeoutMs: 1500,
  });
  // The controls: without TLS to the Sentinels, or to the primary, nothing answers.
  await assert.rejects(connect({ url: 'rediss://127.0.0.1:1', sentinelTls: false }), /did not answer/);
  await assert.rejects(connect({ url: 'redis://127.0.0.1:1', sentinelTls: true }), /did not answer/);

  const connection = await connect({ url: 'rediss://127.0.0.1:1', sentinelTls: true });
  after(() => connection.close());
  assert.equal(await tlsPortOf(connection), primary.port);
  const store = new RedisInboxStore({ redis: connection, inboxTtlMs: 60_000, inboxCapacity: 10, maxInboxes: 100, maxQueuedBytes: 1 << 20 });
  after(() => store.close());
  const message: StoredMessage = { from: 'bob', contentType: 'text/plain', body: Buffer.from('before') };
  assert.equal(await store.open('alice', 'secret', true), 'created');
  assert.equal(await store.send('alice', message), 'ok');
  await eventually(async () => Number(await connection.cmd.call('WAIT', 1, 500)) >= 1, 'the replica to have the message', 10_000);

  await ask.call('SENTINEL', 'FAILOVER', NAME);
  await eventually(async () => ((await ask.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', NAME)) as string[])[1] === String(replica.port), 'the Sentinel to name the replica', 15_000);
  await eventually(async () => (await tlsPortOf(connection).catch(() => 0)) === replica.port, 'the node to be on the new primary', 15_000);
  let taken: unknown;
  await eventually(async () => {
    taken = await Promise.resolve(store.take('alice', 0)).catch(() => undefined);
    return taken !== undefined;
  }, 'a take to go through', 10_000);
  assert.equal(await tlsPortOf(connection), replica.port);
  assert.ok(taken && typeof taken === 'object' && 'body' in taken, 'what was queued before the failover is there');
  assert.equal(Buffer.from((taken as StoredMessage).body).toString(), 'before');
});
