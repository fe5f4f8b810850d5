import assert from 'node:assert/strict';
import { callUrl, sorted, type LoopCases } from './loop-store-fixtures.ts';

const tokens = (records: readonly { token: string }[]) => sorted(records.map((r) => r.token));

/** Call URLs and calls, with their per-user caps and indexes (src/store/loop.ts). */
export function callCases(it: LoopCases): void {
  it('call URLs: putCallUrl stores a record that get, list and count see; it lives exactly ttlMs', async (setup) => {
    const { store, time } = setup();
    assert.equal(await store.putCallUrl(callUrl('t1', 'u1'), 1000), true);
    assert.equal(await store.putCallUrl(callUrl('t2', 'u1'), 5000), true);
    assert.equal(await store.putCallUrl(callUrl('t3', 'u2'), 5000), true);
    assert.deepEqual(await store.getCallUrl('t1'), callUrl('t1', 'u1'));
    assert.deepEqual(tokens(await store.listCallUrls('u1')), ['t1', 't2']);
    assert.equal(await store.countCallUrls('u1'), 2);
    assert.equal(await store.countCallUrls('nobody'), 0);
    assert.deepEqual(await store.listCallUrls('nobody'), []);
    assert.equal(await store.getCallUrl('never'), undefined);
    time.advance(999);
    assert.ok(await store.getCallUrl('t1'), 'alive at ttl - 1');
    time.advance(1);
    assert.equal(await store.getCallUrl('t1'), undefined, 'gone at ttl');
  });

  it('call URLs: count and list see expiry and deletion at once, without a sweep', async (setup) => {
    const { store, time } = setup();
    await store.putCallUrl(callUrl('t1', 'u1'), 1000);
    await store.putCallUrl(callUrl('t2', 'u1'), 5000);
    await store.putCallUrl(callUrl('t3', 'u1'), 5000);
    time.advance(1000);
    assert.equal(await store.countCallUrls('u1'), 2, 'count before any other read');
    assert.deepEqual(tokens(await store.listCallUrls('u1')), ['t2', 't3']);
    await store.deleteCallUrl('t2');
    await store.deleteCallUrl('never');
    assert.equal(await store.countCallUrls('u1'), 1);
    assert.deepEqual(tokens(await store.listCallUrls('u1')), ['t3']);
    assert.equal(await store.getCallUrl('t2'), undefined);
    await store.sweep();
    assert.deepEqual(tokens(await store.listCallUrls('u1')), ['t3']);
  });

  it('call URLs: putCallUrl replaces a token, fields and lifetime; under another user it moves to that user', async (setup) => {
    const { store, time } = setup();
    await store.putCallUrl(callUrl('t1', 'u1', 'first'), 1000);
    time.advance(500);
    assert.equal(await store.putCallUrl(callUrl('t1', 'u1', 'second'), 1000), true); // until 1500
    assert.equal(await store.countCallUrls('u1'), 1);
    time.advance(999);
    assert.equal((await store.getCallUrl('t1'))?.issuer, 'second');
    assert.deepEqual(await store.listCallUrls('u1'), [callUrl('t1', 'u1', 'second')]);
    time.advance(1);
    assert.equal(await store.getCallUrl('t1'), undefined);

    await store.putCallUrl(callUrl('t2', 'u1'), 5000);
    await store.putCallUrl(callUrl('t2', 'u2'), 5000);
    assert.deepEqual(await store.listCallUrls('u1'), [], 'the old owner no longer lists it');
    assert.equal(await store.countCallUrls('u1'), 0);
    assert.deepEqual(await store.listCallUrls('u2'), [callUrl('t2', 'u2')]);
    await store.deleteUserCallUrls('u1');
    assert.ok(await store.getCallUrl('t2'), "deleting the old owner's URLs leaves it");
  });

  it('call URLs: past maxPerUser a new token is refused, nothing stored or evicted; a live token can be replaced', async (setup) => {
    const { store } = setup();
    assert.equal(await store.putCallUrl(callUrl('t1', 'u1'), 5000, 2), true);
    assert.equal(await store.putCallUrl(callUrl('t2', 'u1'), 5000, 2), true);
    assert.equal(await store.putCallUrl(callUrl('t3', 'u1'), 5000, 2), false);
    assert.equal(await store.getCallUrl('t3'), undefined);
    assert.deepEqual(tokens(await store.listCallUrls('u1')), ['t1', 't2']);
    assert.equal(await store.putCallUrl(callUrl('t1', 'u1', 'changed'), 5000, 2), true, 'replacing is not adding');
    assert.equal((await store.getCallUrl('t1'))?.issuer, 'changed');
    assert.equal(await store.putCallUrl(callUrl('t4', 'u2'), 5000, 2), true, 'the cap is per user');
    assert.equal(await store.putCallUrl(callUrl('t5', 'u1'), 5000), true, 'no cap given: no cap');
    assert.equal(await store.countCallUrls('u1'), 3);
  });

  it('call URLs: expired and deleted URLs make room under maxPerUser; an expired token counts as new', async (setup) => {
    const { store, time } = setup();
    await store.putCallUrl(callUrl('t1', 'u1'), 1000, 2);
    await store.putCallUrl(callUrl('t2', 'u1'), 5000, 2);
    time.advance(1000);
    assert.equal(await store.putCallUrl(callUrl('t3', 'u1'), 5000, 2), true, 't1 expired: room for t3');
    assert.equal(await store.putCallUrl(callUrl('t1', 'u1'), 5000, 2), false, 'the expired token is a new one: refused');
    assert.equal(await store.getCallUrl('t1'), undefined);
    await store.deleteCallUrl('t2');
    assert.equal(await store.putCallUrl(callUrl('t1', 'u1'), 5000, 2), true);
    assert.deepEqual(tokens(await store.listCallUrls('u1')), ['t1', 't3']);
  });

  it("call URLs: deleteUserCallUrls removes every URL of the user, no other user's", async (setup) => {
    const { store } = setup();
    await store.putCallUrl(callUrl('t1', 'u1'), 5000);
    await store.putCallUrl(callUrl('t2', 'u1'), 5000);
    await store.putCallUrl(callUrl('t3', 'u2'), 5000);
    await store.deleteUserCallUrls('u1');
    await store.deleteUserCallUrls('nobody');
    assert.equal(await store.getCallUrl('t1'), undefined);
    assert.deepEqual(await store.listCallUrls('u1'), []);
    assert.equal(await store.countCallUrls('u1'), 0);
    assert.deepEqual(tokens(await store.listCallUrls('u2')), ['t3']);
    assert.equal(await store.putCallUrl(callUrl('t1', 'u1'), 5000, 1), true, 'the user starts afresh');
  });
}
