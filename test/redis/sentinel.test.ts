import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Redis } from 'ioredis';
import pino from 'pino';
import type { InboxEvent, StoredMessage } from '../../src/store/inbox.ts';
import { connectRedis } from '../../src/store/redis/connection.ts';
import { RedisInboxStore } from '../../src/store/redis/inbox.ts';
import { eventually } from '../helpers/eventually.ts';
import { startMain } from '../helpers/main-process.ts';
import { ownRedisServer, redisSkip, uniquePrefix } from '../helpers/redis.ts';

const skip = redisSkip();
const NAME = 'sbtest';
const SENTINEL_PASSWORD = 'sentinel-hunter3';

test('through Sentinels (with a password): a node finds the primary, and after a failover works on the new one with what was stored', { skip }, async () => {
  const primary = await ownRedisServer();
  after(() => primary.stop());
  const replica = await ownRedisServer({ replicaOf: primary.port });
  after(() => replica.stop());
  // The replica attached first, so that the Sentinel's first look at the primary finds it (it looks again only every 10 s).
  const onPrimary = new Redis(primary.url);
  after(() => onPrimary.disconnect());
  await eventually(async () => /connected_slaves:1/.test(await onPrimary.info('replication')), 'the replica to attach', 10_000);
  const sentinel = await ownRedisServer({ sentinelOf: { name: NAME, port: primary.port, password: SENTINEL_PASSWORD } });
  after(() => sentinel.stop());
  const ask = new Redis(sentinel.url, { password: SENTINEL_PASSWORD });
  after(() => ask.disconnect());
  await eventually(async () => ((await ask.call('SENTINEL', 'REPLICAS', NAME)) as unknown[]).length === 1, 'the Sentinel to know the replica', 25_000);

  // A node started with REDIS_SENTINELS finds the primary (REDIS_URL's host is not used: port 1 answers nothing).
  const main = await startMain({
    STORE: 'redis', SHARED_SECRET: 'a deployment secret of 32+ chars, the same on every node', REDIS_URL: 'redis://127.0.0.1:1',
    REDIS_SENTINELS: `127.0.0.1:${sentinel.port}`, REDIS_SENTINEL_NAME: NAME, REDIS_SENTINEL_PASSWORD: SENTINEL_PASSWORD, KEY_PREFIX: uniquePrefix('sentinel'), HOST: '127.0.0.1', PORT: '0',
  });
  try {
    const listening = main.lines.find((l) => String(l.msg).includes(' listening on '))!;
    assert.match(String(listening.store), new RegExp(`via Sentinels 127\\.0\\.0\\.1:${sentinel.port} \\(${NAME}\\)`));
    const api = (listening.urls as Record<string, string>).api;
    const basic = `Basic ${Buffer.from('carol:pw').toString('base64')}`;
    assert.equal((await fetch(`${api}inbox`, { headers: { authorization: basic } })).status, 204);
  } finally {
    const run = await main.stop();
    assert.equal(run.code, 0);
    assert.ok(!run.stdout.includes(SENTINEL_PASSWORD) && !run.stderr.includes(SENTINEL_PASSWORD), 'the Sentinel password is never printed');
  }

  // The same, one level down: the store on a connection made through the Sentinel.
  const connection = await connectRedis({
    url: 'redis://127.0.0.1:1', sentinel: { hosts: [`127.0.0.1:${sentinel.port}`], name: NAME, password: SENTINEL_PASSWORD }, prefix: uniquePrefix('sentinel'), log: pino({ level: 'silent' }),
  });
  after(() => connection.close());
  const servedBy = async () => Number(/tcp_port:(\d+)/.exec(await connection.cmd.info('server'))?.[1]);
  assert.equal(await servedBy(), primary.port);
  const store = new RedisInboxStore({ redis: connection, inboxTtlMs: 60_000, inboxCapacity: 10, maxInboxes: 100, maxQueuedBytes: 1 << 20 });
  after(() => store.close());
  const message = (body: string): StoredMessage => ({ from: 'bob', contentType: 'text/plain', body: Buffer.from(body) });
  assert.equal(await store.open('alice', 'secret', true), 'created');
  assert.equal(await store.send('alice', message('before')), 'ok');
  // On the replica too, before it takes over (WAIT answers how many replicas have it; within the command timeout).
  await eventually(async () => Number(await connection.cmd.call('WAIT', 1, 500)) >= 1, 'the replica to have the message', 10_000);

  // The function libraries came to the replica with the data.
  const onReplica = new Redis(replica.url);
  after(() => onReplica.disconnect());
  const libraries = JSON.stringify(await onReplica.function('LIST'));
  assert.match(libraries, /signalbox_inbox_/);

  await ask.call('SENTINEL', 'FAILOVER', NAME);
  await eventually(async () => ((await ask.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', NAME)) as string[])[1] === String(replica.port), 'the Sentinel to name the replica', 15_000);
  // The node follows the Sentinel's announcement (commands sent while it moves over fail: 503s).
  await eventually(async () => {
    try {
      return (await servedBy()) === replica.port;
    } catch {
      return false;
    }
  }, 'the node to be on the new primary', 15_000);
  // It may be moved more than once (the old primary dropping its clients, the Sentinel's announcement): the next command goes through.
  let taken: unknown;
  await eventually(async () => {
    taken = await store.take('alice', 0).catch(() => undefined);
    return taken !== undefined;
  }, 'a take to go through', 10_000);
  assert.equal(await servedBy(), replica.port);
  assert.ok(taken && typeof taken === 'object' && 'body' in taken, 'what was queued before the failover is there');
  assert.equal(Buffer.from((taken as StoredMessage).body).toString(), 'before');

  // The subscriber connection moved too: a watcher hears a message sent now.
  const heard = new Promise<InboxEvent>((resolve) => {
    const stop = store.watch('alice', (event) => {
      stop();
      resolve(event);
    });
  });
  assert.equal(await store.send('alice', message('after')), 'ok');
  assert.deepEqual(await heard, { type: 'message', name: 'alice' });
});

test('Sentinels with an ACL user of their own: a node logs in as that user', { skip }, async () => {
  const primary = await ownRedisServer();
  after(() => primary.stop());
  const sentinel = await ownRedisServer({ sentinelOf: { name: NAME, port: primary.port, password: SENTINEL_PASSWORD, user: 'sb-node' } });
  after(() => sentinel.stop());
  const connect = (sentinelUsername?: string) => connectRedis({
    url: 'redis://127.0.0.1:1', sentinel: { hosts: [`127.0.0.1:${sentinel.port}`], name: NAME, username: sentinelUsername, password: SENTINEL_PASSWORD },
    prefix: uniquePrefix('sentinel'), log: pino({ level: 'silent' }), startTimeoutMs: 1500,
  });
  const connection = await connect('sb-node');
  after(() => connection.close());
  assert.equal(Number(/tcp_port:(\d+)/.exec(await connection.cmd.info('server'))?.[1]), primary.port);
  await assert.rejects(connect(), /did not answer/, 'the control: with the password alone (the default user is off) no Sentinel answers');
});

test('a Sentinel that accepts connections but never answers (a frozen host) is passed over for the next one', { skip }, async () => {
  const primary = await ownRedisServer();
  after(() => primary.stop());
  const sentinel = await ownRedisServer({ sentinelOf: { name: NAME, port: primary.port } });
  after(() => sentinel.stop());
  const frozen = await ownRedisServer();
  process.kill(frozen.pid, 'SIGSTOP');
  after(async () => {
    process.kill(frozen.pid, 'SIGCONT');
    await frozen.stop();
  });
  // The frozen one is asked first; without a timeout on each Sentinel's answer the node waits on it for good.
  const connection = await connectRedis({
    url: 'redis://127.0.0.1:1', sentinel: { hosts: [`127.0.0.1:${frozen.port}`, `127.0.0.1:${sentinel.port}`], name: NAME },
    prefix: uniquePrefix('sentinel'), log: pino({ level: 'silent' }), startTimeoutMs: 4000,
  });
  after(() => connection.close());
  assert.equal(Number(/tcp_port:(\d+)/.exec(await connection.cmd.info('server'))?.[1]), primary.port);
});
