import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { isStoreError } from '../../src/store/errors.ts';
import type { LoopMemoryLimits } from '../../src/store/memory/loop.ts';
import type { RedisConnection } from '../../src/store/redis/connection.ts';
import { RedisLoopStore } from '../../src/store/redis/loop.ts';
import { FakeTime } from '../helpers/fake-time.ts';
import { redisSkip, testConnection, uniquePrefix } from '../helpers/redis.ts';
import { callUrl, session, sorted } from './loop-store-fixtures.ts';

/**
 * What the contract suite cannot see on one store: several nodes (each its
 * own connection) sharing one Redis, racing on the atomic checks; the caps
 * kept for the deployment; the key backstops and what a sweep leaves; Redis's
 * own clock; failures as StoreErrors.
 */
const skip = redisSkip();
if (skip) test('the Redis loop store across nodes', { skip }, () => {});
else {
  const ROOMY: LoopMemoryLimits = { sessions: 100, unusedSessions: 100, callUrls: 100, nonces: 100 };
  const a = await testConnection();
  const b = await testConnection({ prefix: a.prefix });
  let n = 0;

  /** Two nodes on one deployment (a fresh prefix), on one fake clock unless `redisClock`. */
  const deployment = (limits: Partial<LoopMemoryLimits> = {}, redisClock = false) => {
    const prefix = `${a.prefix}${n++}:`;
    const time = new FakeTime();
    const node = (c: RedisConnection) => {
      const store = new RedisLoopStore({ redis: { ...c, prefix }, limits: { ...ROOMY, ...limits }, clock: redisClock ? undefined : time });
      after(() => store.close());
      return store;
    };
    return { one: node(a), two: node(b), time, prefix };
  };

  /** Every key under the prefix (tests only: SCAN). */
  const keysOf = async (prefix: string): Promise<string[]> => {
    const out: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await a.cmd.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      out.push(...keys.map((k) => k.slice(prefix.length)));
      cursor = next;
    } while (cursor !== '0');
    return out.sort();
  };

  test('redis loop store: sessions, push URLs and call URLs written through one node are read and changed through another', async () => {
    const { one, two } = deployment();
    await one.createSession('s1', session('s1', 'u1'), 5000);
    assert.deepEqual(await two.getSession('s1'), session('s1', 'u1'));
    await two.touchSession('s1', 5000);
    assert.deepEqual(await one.stats(), { sessions: 1, unusedSessions: 0, callUrls: 0 }, 'used through the other node');
    await one.setPushUrls('u1', 's1', { calls: 'http://a' });
    assert.deepEqual(await two.pushUrls('u1', 'calls'), ['http://a']);
    assert.equal(await two.updateSession('s1', { identity: 'alice@example.com' }), true);
    assert.equal((await one.getSession('s1'))?.identity, 'alice@example.com');
    await two.putCallUrl(callUrl('t1', 'u1'), 5000);
    assert.deepEqual(await one.getCallUrl('t1'), callUrl('t1', 'u1'));
    assert.equal(await one.countCallUrls('u1'), 1);
    await one.deleteSession('s1');
    assert.equal(await two.getSession('s1'), undefined);
    assert.deepEqual(await two.pushUrls('u1', 'calls'), []);
  });

  test('redis loop store: a nonce claimed through one node is a replay on the other; of concurrent claims exactly one wins', async () => {
    const { one, two } = deployment();
    assert.equal(await one.claimNonce('n1', 1000), 'claimed');
    assert.equal(await two.claimNonce('n1', 1000), 'replay');
    const claims = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? one : two).claimNonce('n2', 1000)));
    assert.equal(claims.filter((c) => c === 'claimed').length, 1);
    assert.equal(claims.filter((c) => c === 'replay').length, 39);
  });

  test('redis loop store: the nonce cap holds for the deployment, under concurrent claims too', async () => {
    const { one, two, time } = deployment({ nonces: 5 });
    const claims = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? one : two).claimNonce(`n${i}`, 1000)));
    assert.equal(claims.filter((c) => c === 'claimed').length, 5);
    assert.equal(claims.filter((c) => c === 'full').length, 15);
    time.advance(1000);
    assert.equal(await two.claimNonce('late', 1000), 'claimed', 'expired nonces make room on every node');
  });

  test('redis loop store: maxPerUser holds under concurrent puts through two nodes', async () => {
    const { one, two } = deployment();
    const puts = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? one : two).putCallUrl(callUrl(`t${i}`, 'u1'), 5000, 5)));
    assert.equal(puts.filter(Boolean).length, 5);
    assert.equal(await one.countCallUrls('u1'), 5);
    assert.equal((await two.listCallUrls('u1')).length, 5);
    assert.deepEqual(await one.stats(), { sessions: 0, unusedSessions: 0, callUrls: 5 }, 'nothing refused was stored');
  });

  test('redis loop store: the never-used budget holds for the deployment and evicts the oldest; used sessions are counted across nodes', async () => {
    const { one, two, time } = deployment({ sessions: 1, unusedSessions: 3 });
    await one.createSession('u0', session('u0'), 1000);
    await two.touchSession('u0', 1000); // used: the one used place
    for (let i = 0; i < 6; i++) await (i % 2 ? one : two).createSession(`f${i}`, session(`f${i}`), 5000);
    for (let i = 0; i < 3; i++) assert.equal(await one.getSession(`f${i}`), undefined, `f${i} evicted`);
    await one.touchSession('f3', 5000); // the used budget is full: stays never-used, now the youngest of them
    await two.createSession('f6', session('f6'), 5000);
    assert.ok(await two.getSession('f3'), 'a touch counts as use: f4 went, not f3');
    assert.equal(await two.getSession('f4'), undefined);
    assert.ok(await one.getSession('u0'), 'a used session is never evicted');
    assert.deepEqual(await two.stats(), { sessions: 4, unusedSessions: 3, callUrls: 0 });
    time.advance(1000); // u0 expired: its place is free for the next touch, whichever node makes it
    await one.touchSession('f5', 5000);
    await two.touchSession('f6', 5000);
    assert.deepEqual(await one.stats(), { sessions: 3, unusedSessions: 2, callUrls: 0 }, 'f5 used; f6 had no room and stays never-used');
  });

  test('redis loop store: past the call URL cap the URL with the least time left goes, and its user index follows', async () => {
    const { one, two, time } = deployment({ callUrls: 2 });
    await one.putCallUrl(callUrl('long', 'u1'), 10_000);
    await two.putCallUrl(callUrl('short', 'u2'), 5_000);
    await one.putCallUrl(callUrl('new', 'u1'), 20_000);
    assert.equal(await two.getCallUrl('short'), undefined);
    assert.equal(await two.countCallUrls('u2'), 0);
    assert.deepEqual(sorted((await two.listCallUrls('u1')).map((u) => u.token)), ['long', 'new']);
    assert.equal(await one.putCallUrl(callUrl('long', 'u1'), 1000), true, 'a rewrite takes no new place');
    assert.ok(await one.getCallUrl('new'));
    time.advance(1000); // long expired: it goes before any live one
    await two.putCallUrl(callUrl('third', 'u3'), 1000);
    assert.ok(await one.getCallUrl('new'));
    assert.deepEqual(await one.stats(), { sessions: 0, unusedSessions: 0, callUrls: 2 });
  });

  test('redis loop store: every key carries a backstop of its lifetime plus a grace; a sweep leaves only the age counter', async () => {
    const { one, two, time, prefix } = deployment();
    await one.createSession('s1', session('s1', 'u1'), 10_000);
    await one.touchSession('s1', 20_000);
    await one.createSession('s2', session('s2', 'u2'), 10_000);
    await two.setPushUrls('u1', 's1', { calls: 'http://a', rooms: 'http://r' });
    await two.putCallUrl(callUrl('t1', 'u1'), 30_000);
    await one.claimNonce('n1', 5_000);
    const grace = 60_000;
    // A record's own key: its lifetime plus the grace; a shared key (index, user hash): up to one more grace.
    const own: Record<string, number> = { 'ls:s1': 20_000, 'ls:s2': 10_000, 'lc:t1': 30_000 };
    const shared: Record<string, number> = {
      'lp:u1': 20_000, 'lpo:s1': 20_000, 'lcu:u1': 30_000, lnx: 5_000, lsu: 20_000, lsf: 10_000, lso: 10_000, lcx: 30_000,
    };
    for (const [keys, most] of [[own, grace], [shared, 2 * grace]] as const) {
      for (const [key, ttl] of Object.entries(keys)) {
        const left = await a.cmd.pttl(prefix + key);
        assert.ok(left > ttl + grace - 1000 && left <= ttl + most, `${key}: ${left} ms left`);
      }
    }
    assert.equal(await a.cmd.pttl(`${prefix}lseq`), -1, 'the age counter has no backstop');
    assert.deepEqual(await keysOf(prefix), sorted([...Object.keys(own), ...Object.keys(shared), 'lseq']));
    time.advance(30_000);
    await two.sweep();
    assert.deepEqual(await keysOf(prefix), ['lseq']);
  });

  test('redis loop store: deleting what was written leaves no key behind', async () => {
    const { one, two, prefix } = deployment();
    await one.createSession('s1', session('s1', 'u1'), 10_000);
    await one.setPushUrls('u1', 's1', { calls: 'http://a' });
    await one.setPushUrls('u2', 's1', { rooms: 'http://b' });
    await two.putCallUrl(callUrl('t1', 'u1'), 10_000);
    await two.putCallUrl(callUrl('t2', 'u1'), 10_000);
    await two.deleteUserPushUrls('u2');
    await one.deleteSession('s1');
    await one.deleteCallUrl('t1');
    await two.deleteUserCallUrls('u1');
    assert.deepEqual(await keysOf(prefix), ['lseq']);
  });

  test('redis loop store: the periodic sweep drops what expired without any read', async () => {
    const prefix = `${a.prefix}${n++}:`;
    const time = new FakeTime();
    const store = new RedisLoopStore({ redis: { ...a, prefix }, limits: ROOMY, clock: time, sweep: { timers: time, everyMs: 30_000 } });
    await store.createSession('s1', session('s1'), 1000);
    await store.putCallUrl(callUrl('t1'), 1000);
    time.advance(30_000);
    for (let i = 0; i < 200 && (await keysOf(prefix)).length > 1; i++) await new Promise((r) => setImmediate(r));
    assert.deepEqual(await keysOf(prefix), ['lseq']);
    await store.close();
    assert.equal(time.pendingCount, 0, 'closing stopped the sweeper');
  });

  test("redis loop store: without a clock every lifetime runs on Redis's", async () => {
    const { one, two } = deployment({}, true);
    await one.createSession('s1', session('s1'), 60_000);
    await one.createSession('short', session('short'), 50);
    await one.putCallUrl(callUrl('t1'), 60_000);
    assert.equal(await two.claimNonce('n1', 60_000), 'claimed');
    assert.equal(await one.claimNonce('n1', 60_000), 'replay');
    assert.ok(await two.getSession('s1'));
    assert.ok(await two.getCallUrl('t1'));
    const deadline = Date.now() + 5000;
    while ((await two.getSession('short')) !== undefined) {
      assert.ok(Date.now() < deadline, 'a 50 ms session outlived 5 s');
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.deepEqual(await two.stats(), { sessions: 1, unusedSessions: 1, callUrls: 1 });
  });

  test('redis loop store: a failed Redis call is a StoreError; ping answers false', async () => {
    const broken = await testConnection({ prefix: uniquePrefix('loop-broken') });
    const store = new RedisLoopStore({ redis: broken, limits: ROOMY });
    assert.equal(await store.ping(), true);
    await broken.close();
    await assert.rejects(() => store.createSession('s1', session('s1'), 1000), (err: unknown) => isStoreError(err) && /createSession/.test((err as Error).message));
    await assert.rejects(() => store.claimNonce('n', 1000), isStoreError);
    assert.equal(await store.ping(), false);
    await store.close();
  });
}
