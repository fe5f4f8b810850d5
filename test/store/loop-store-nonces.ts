import assert from 'node:assert/strict';
import { scribble } from './scribble.ts';
import { callUrl, session, type LoopCases } from './loop-store-fixtures.ts';

/** Hawk nonces (never forgotten early), stats, ping, close, and records not shared with callers. */
export function nonceAndLifecycleCases(it: LoopCases): void {
  it('nonces: claimed, then a replay for exactly ttlMs, then claimable again', async (setup) => {
    const { store, time } = setup();
    assert.equal(await store.claimNonce('n', 100), 'claimed');
    assert.equal(await store.claimNonce('n', 100), 'replay');
    assert.equal(await store.claimNonce('other', 100), 'claimed');
    time.advance(99);
    assert.equal(await store.claimNonce('n', 100), 'replay', 'still recorded at ttl - 1');
    time.advance(1);
    assert.equal(await store.claimNonce('n', 100), 'claimed', 'its window is over at ttl');
    assert.equal(await store.claimNonce('n', 100), 'replay');
  });

  it('nonces: a full store answers full, forgets no live nonce (not even on a sweep) and records no refused one', async (setup) => {
    const { store, time } = setup({ nonces: 3 });
    for (const n of ['a', 'b', 'c']) assert.equal(await store.claimNonce(n, 1000), 'claimed');
    assert.equal(await store.claimNonce('d', 1000), 'full');
    assert.equal(await store.claimNonce('d', 1000), 'full', 'the refused nonce was not recorded');
    await store.sweep();
    time.advance(999);
    await store.sweep();
    for (const n of ['a', 'b', 'c']) assert.equal(await store.claimNonce(n, 1000), 'replay', `${n} is still known`);
    assert.equal(await store.claimNonce('d', 1000), 'full');
  });

  it('nonces: expired nonces make room again', async (setup) => {
    const { store, time } = setup({ nonces: 3 });
    assert.equal(await store.claimNonce('a', 1000), 'claimed');
    time.advance(10);
    assert.equal(await store.claimNonce('b', 1000), 'claimed');
    assert.equal(await store.claimNonce('c', 1000), 'claimed');
    time.advance(990); // a expired
    assert.equal(await store.claimNonce('d', 1000), 'claimed');
    assert.equal(await store.claimNonce('e', 1000), 'full', 'b, c and d are live');
    assert.equal(await store.claimNonce('a', 1000), 'full', 'a is forgotten, but there is no room for it');
    time.advance(10); // b and c expired
    assert.equal(await store.claimNonce('a', 1000), 'claimed');
    assert.equal(await store.claimNonce('e', 1000), 'claimed');
    assert.equal(await store.claimNonce('d', 1000), 'replay');
    time.advance(5000);
    await store.sweep();
    for (const n of ['f', 'g', 'h']) assert.equal(await store.claimNonce(n, 1000), 'claimed');
  });

  it('nonces: expired nonces make room again whatever their lifetimes', async (setup) => {
    const { store, time } = setup({ nonces: 2 });
    assert.equal(await store.claimNonce('long', 10_000), 'claimed');
    assert.equal(await store.claimNonce('short', 100), 'claimed');
    time.advance(100);
    assert.equal(await store.claimNonce('new', 10_000), 'claimed', 'short expired behind a live one');
    assert.equal(await store.claimNonce('long', 10_000), 'replay');
  });

  it('stats count live sessions (never-used among them) and call URLs, exactly after a sweep', async (setup) => {
    const { store, time } = setup();
    assert.deepEqual(await store.stats(), { sessions: 0, unusedSessions: 0, callUrls: 0 });
    await store.createSession('s1', session('s1'), 1000);
    await store.createSession('s2', session('s2'), 5000);
    await store.createSession('s3', session('s3'), 1000);
    await store.touchSession('s3', 1000);
    await store.putCallUrl(callUrl('t1'), 1000);
    await store.putCallUrl(callUrl('t2'), 5000);
    await store.claimNonce('n', 1000);
    assert.deepEqual(await store.stats(), { sessions: 3, unusedSessions: 2, callUrls: 2 });
    time.advance(1000);
    await store.sweep();
    assert.deepEqual(await store.stats(), { sessions: 1, unusedSessions: 1, callUrls: 1 });
    await store.deleteSession('s2');
    await store.deleteCallUrl('t2');
    assert.deepEqual(await store.stats(), { sessions: 0, unusedSessions: 0, callUrls: 0 });
  });

  it('ping answers true; close resolves, and a second close is harmless', async (setup) => {
    const { store } = setup();
    assert.equal(await store.ping(), true);
    await store.createSession('s1', session('s1'), 1000);
    await store.close();
    await store.close();
  });

  it('records are not shared: sessions and call URLs come back as copies', async (setup) => {
    const { store } = setup();
    const written = session('s1', 'u');
    await store.createSession('s1', written, 60_000);
    scribble(written, (w) => (w.userKey = 'changed-after-create'));
    scribble((await store.getSession('s1'))!, (w) => (w.userKey = 'changed-after-get'));
    const patch = { identity: 'alice@example.com' };
    await store.updateSession('s1', patch);
    patch.identity = 'changed-patch';
    scribble((await store.getSession('s1'))!, (w) => (w.identity = 'changed-after-update'));
    assert.deepEqual(await store.getSession('s1'), { ...session('s1', 'u'), identity: 'alice@example.com' });

    const urls = { calls: 'http://a' };
    await store.setPushUrls('u', 's1', urls);
    urls.calls = 'http://changed';
    scribble(await store.pushUrls('u', 'calls'), (w) => w.push('http://pushed'));
    assert.deepEqual(await store.pushUrls('u', 'calls'), ['http://a']);

    const url = callUrl('t', 'u', 'i');
    await store.putCallUrl(url, 60_000);
    scribble(url, (w) => (w.issuer = 'changed'));
    scribble((await store.getCallUrl('t'))!, (w) => (w.issuer = 'changed'));
    scribble((await store.listCallUrls('u'))[0], (w) => (w.issuer = 'changed'));
    assert.equal((await store.getCallUrl('t'))!.issuer, 'i');
    scribble(await store.stats(), (w) => (w.callUrls = 99));
    assert.equal((await store.stats()).callUrls, 1);
  });
}
