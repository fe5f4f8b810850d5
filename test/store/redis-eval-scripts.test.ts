import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Redis } from 'ioredis';
import type { InboxStore } from '../../src/store/inbox.ts';
import { RedisCallStateStore } from '../../src/store/redis/call-state.ts';
import { RedisInboxStore } from '../../src/store/redis/inbox.ts';
import { RedisLoopStore } from '../../src/store/redis/loop.ts';
import { RedisLoopRoomStore } from '../../src/store/redis/rooms.ts';
import { loadLibraries } from '../../src/store/redis/script.ts';
import { FakeTime } from '../helpers/fake-time.ts';
import { redisSkip, redisUserUrl, settleCallStateEvents, settleRedisEvents, testConnection, testRedisUrl } from '../helpers/redis.ts';
import { callStateStoreContract } from './call-state-contract.ts';
import { inboxStoreContract } from './inbox-store-contract.ts';
import { runLoopStoreContract } from './loop-store-contract.ts';
import { runRoomStoreContract } from './room-store-contract.ts';

// Where Redis refuses functions (before 7.0, or an ACL without them), every store runs its
// operations as EVAL scripts: the store contracts, on a connection whose user may not load or call functions.
const skip = redisSkip();
if (skip) test('the Redis stores without functions', { skip }, () => {});
else {
  const url = await redisUserUrl(['-function', '-fcall', '-fcall_ro']);
  const user = new URL(url).username;
  const admin = new Redis(await testRedisUrl());
  after(async () => {
    // Every FUNCTION LOAD was refused (each library's, once); no FCALL was even tried.
    const denied = ((await admin.call('ACL', 'LOG')) as unknown[][]).map((entry) => fieldsOf(entry)).filter((e) => e.username === user);
    admin.disconnect();
    assert.ok(denied.some((e) => e.object === 'function|load'), JSON.stringify(denied));
    assert.deepEqual(denied.filter((e) => e.object !== 'function|load'), []);
  });
  const connection = await testConnection({ url });
  let n = 0;
  const fresh = () => ({ ...connection, prefix: `${connection.prefix}${n++}:` });

  test('Redis refused the libraries: the scripts run as EVAL scripts', async () => {
    assert.equal(await loadLibraries(connection.cmd), false);
    const store = new RedisInboxStore({ redis: fresh(), inboxTtlMs: 60_000, inboxCapacity: 10, maxInboxes: 100, maxQueuedBytes: 1 << 20 });
    assert.equal(await store.open('a', 's', true), 'created');
    assert.equal(await store.send('a', { from: 'b', contentType: 'text/plain', body: Buffer.from('hi') }), 'ok');
    const taken = await store.take('a', 0);
    assert.ok(taken && 'body' in taken);
    assert.equal(Buffer.from(taken.body).toString(), 'hi');
    await store.close();
  });

  const prefixes = new Map<InboxStore, string>();
  inboxStoreContract('redis, EVAL scripts', (o) => {
    const redis = fresh();
    const store = new RedisInboxStore({ ...o, redis });
    prefixes.set(store, redis.prefix);
    after(() => store.close());
    return store;
  }, (store) => settleRedisEvents(store, { ...connection, prefix: prefixes.get(store)! }));

  runLoopStoreContract({
    name: 'redis loop store, EVAL scripts',
    make: (o) => new RedisLoopStore({ clock: o.clock, limits: o.limits, redis: fresh() }),
  });

  runRoomStoreContract({ name: 'redis room store, EVAL scripts', make: (o) => new RedisLoopRoomStore({ clock: o.clock, redis: fresh() }) });

  callStateStoreContract('redis, EVAL scripts', () => {
    const time = new FakeTime();
    const store = new RedisCallStateStore({ redis: fresh(), clock: time, callDurationMs: 60_000 });
    after(() => store.close());
    return { store, advance: async (ms) => time.advance(ms), durationMs: 60_000, settle: () => settleCallStateEvents(store) };
  });
}

/** An ACL LOG entry (a flat list of names and values) as an object. */
function fieldsOf(entry: unknown[]): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (let i = 0; i + 1 < entry.length; i += 2) fields[String(entry[i])] = entry[i + 1];
  return fields;
}
