import assert from 'node:assert/strict';
import { session, sorted, type LoopCases } from './loop-store-fixtures.ts';

/** Sessions, their push registrations and the never-used budget (src/store/loop.ts). */
export function sessionCases(it: LoopCases): void {
  it('sessions: createSession stores the record under its id; getSession returns it; an unknown id is undefined', async (setup) => {
    const { store } = setup();
    const linked = { ...session('s1'), identity: 'alice@example.com', oauthState: 'f'.repeat(64), oauthToken: 'token' };
    await store.createSession('s1', linked, 1000);
    await store.createSession('s2', session('s2'), 1000);
    assert.deepEqual(await store.getSession('s1'), linked);
    assert.deepEqual(await store.getSession('s2'), session('s2'));
    assert.equal(await store.getSession('nope'), undefined);
  });

  it('sessions: an id made again (a collision of random ids) replaces the session, used or not, with its push registrations', async (setup) => {
    const { store, time } = setup();
    await store.createSession('s1', session('s1', 'u1'), 1000);
    await store.touchSession('s1', 1000); // used
    await store.setPushUrls('u1', 's1', { calls: 'https://push.example/1' });
    await store.createSession('s1', session('s1', 'u2'), 1000);
    assert.equal((await store.getSession('s1'))?.userKey, 'u2');
    assert.deepEqual(await store.pushUrls('u1', 'calls'), [], "the old session's registration went with it");
    await store.sweep();
    assert.deepEqual(await store.stats(), { sessions: 1, unusedSessions: 1, callUrls: 0 });
    // The same for a session that expired and was not swept yet: its registrations do not come back to life.
    await store.createSession('s2', session('s2', 'u1'), 1000);
    await store.setPushUrls('u1', 's2', { rooms: 'https://push.example/2' });
    time.advance(1000);
    await store.createSession('s2', session('s2', 'u1'), 1000);
    assert.deepEqual(await store.pushUrls('u1', 'rooms'), []);
  });

  it('sessions: a session lives exactly ttlMs; reading it does not extend it', async (setup) => {
    const { store, time } = setup();
    await store.createSession('s1', session('s1'), 1000);
    time.advance(500);
    assert.ok(await store.getSession('s1'));
    time.advance(499);
    assert.ok(await store.getSession('s1'), 'alive at ttl - 1');
    time.advance(1);
    assert.equal(await store.getSession('s1'), undefined, 'gone at ttl');
  });

  it('sessions: touchSession restarts the lifetime at its ttlMs, used or not; a gone session stays gone', async (setup) => {
    const { store, time } = setup();
    await store.createSession('s1', session('s1'), 1000);
    time.advance(600);
    await store.touchSession('s1', 1000); // now used, until 1600
    time.advance(999);
    assert.ok(await store.getSession('s1'), 'the touch extended it');
    await store.touchSession('s1', 300); // used already: restarts at 300, shorter than what was left
    time.advance(299);
    assert.ok(await store.getSession('s1'));
    time.advance(1);
    assert.equal(await store.getSession('s1'), undefined);
    await store.touchSession('s1', 1000);
    assert.equal(await store.getSession('s1'), undefined, 'a touch does not bring a session back');
    await store.touchSession('never', 1000);
    assert.equal(await store.getSession('never'), undefined);
  });

  it('sessions: updateSession changes fields of a live session (used or not) and keeps its lifetime; false when gone', async (setup) => {
    const { store, time } = setup();
    await store.createSession('s1', session('s1', 'u1'), 1000);
    await store.createSession('s2', session('s2', 'u1'), 5000);
    await store.touchSession('s2', 5000);
    time.advance(500);
    assert.equal(await store.updateSession('s1', { userKey: 'u2', identity: 'alice@example.com' }), true);
    assert.deepEqual(await store.getSession('s1'), { ...session('s1', 'u2'), identity: 'alice@example.com' });
    assert.equal(await store.updateSession('s1', { oauthToken: 'tok' }), true);
    assert.deepEqual(await store.getSession('s1'), { ...session('s1', 'u2'), identity: 'alice@example.com', oauthToken: 'tok' });
    assert.equal(await store.updateSession('s2', { identity: 'x' }), true);
    assert.equal((await store.getSession('s2'))?.identity, 'x');
    time.advance(499);
    assert.ok(await store.getSession('s1'), 'alive at its first ttl - 1');
    time.advance(1);
    assert.equal(await store.getSession('s1'), undefined, 'the update did not extend it');
    assert.equal(await store.updateSession('s1', { identity: 'y' }), false);
    assert.equal(await store.updateSession('never', { identity: 'y' }), false);
    assert.equal(await store.getSession('never'), undefined, 'an update creates nothing');
  });

  it('sessions: deleteSession forgets a session at once with its push registrations; unknown ids are harmless', async (setup) => {
    const { store } = setup();
    await store.createSession('s1', session('s1', 'u1'), 5000);
    await store.createSession('s2', session('s2', 'u1'), 5000);
    await store.touchSession('s2', 5000);
    await store.setPushUrls('u1', 's1', { calls: 'http://push/s1' });
    await store.setPushUrls('u1', 's2', { rooms: 'http://push/s2' });
    await store.deleteSession('s1');
    assert.equal(await store.getSession('s1'), undefined);
    assert.deepEqual(await store.pushUrls('u1', 'calls'), []);
    await store.deleteSession('s2'); // a used one
    assert.equal(await store.getSession('s2'), undefined);
    assert.deepEqual(await store.pushUrls('u1', 'rooms'), []);
    await store.deleteSession('never');
    await store.createSession('s1', session('s1', 'u1'), 5000);
    assert.deepEqual(await store.pushUrls('u1', 'calls'), [], 'a session made again under the id has no registration');
  });

  it('push URLs: setPushUrls merges per (user, session); pushUrls unites live sessions without duplicates', async (setup) => {
    const { store } = setup();
    await store.createSession('s1', session('s1', 'u1'), 5000);
    await store.createSession('s2', session('s2', 'u1'), 5000);
    await store.setPushUrls('u1', 's1', { calls: 'http://a' });
    await store.setPushUrls('u1', 's2', { calls: 'http://a', rooms: 'http://r' });
    await store.setPushUrls('u1', 's2', { calls: 'http://b' });
    assert.deepEqual(sorted(await store.pushUrls('u1', 'calls')), ['http://a', 'http://b']);
    assert.deepEqual(await store.pushUrls('u1', 'rooms'), ['http://r'], 'a topic not mentioned keeps its URL');
    await store.setPushUrls('u2', 's1', { calls: 'http://other-user' }); // one session, two users
    assert.deepEqual(await store.pushUrls('u2', 'calls'), ['http://other-user']);
    assert.deepEqual(sorted(await store.pushUrls('u1', 'calls')), ['http://a', 'http://b']);
    assert.deepEqual(await store.pushUrls('nobody', 'calls'), []);
  });

  it('push URLs: a registration lives exactly as long as its session; touches extend both; none for a gone session', async (setup) => {
    const { store, time } = setup();
    await store.createSession('s1', session('s1', 'u1'), 1000);
    await store.createSession('s2', session('s2', 'u1'), 5000);
    await store.setPushUrls('u1', 's1', { calls: 'http://a' });
    await store.setPushUrls('u1', 's2', { calls: 'http://b' });
    time.advance(500);
    await store.touchSession('s1', 1000); // until 1500
    time.advance(900);
    assert.ok(await store.getSession('s1'), 'touched');
    assert.deepEqual(sorted(await store.pushUrls('u1', 'calls')), ['http://a', 'http://b']);
    time.advance(99);
    assert.deepEqual(sorted(await store.pushUrls('u1', 'calls')), ['http://a', 'http://b'], 'alive at ttl - 1');
    time.advance(1);
    assert.equal(await store.getSession('s1'), undefined);
    assert.deepEqual(await store.pushUrls('u1', 'calls'), ['http://b'], 'push URLs die with their session');
    await store.sweep();
    assert.deepEqual(await store.pushUrls('u1', 'calls'), ['http://b']);
    await store.setPushUrls('u1', 's1', { calls: 'http://late' });
    await store.setPushUrls('u1', 'never', { calls: 'http://never' });
    assert.deepEqual(await store.pushUrls('u1', 'calls'), ['http://b'], 'nothing is registered for a gone session');
  });

  it('push URLs: deletePushUrls removes one registration, deleteUserPushUrls all of a user; sessions stay', async (setup) => {
    const { store } = setup();
    for (const id of ['s1', 's2', 's3']) await store.createSession(id, session(id, 'u1'), 5000);
    await store.setPushUrls('u1', 's1', { calls: 'http://1', rooms: 'http://r1' });
    await store.setPushUrls('u1', 's2', { calls: 'http://2' });
    await store.setPushUrls('u2', 's3', { calls: 'http://3' });
    await store.deletePushUrls('u1', 's1');
    assert.deepEqual(await store.pushUrls('u1', 'calls'), ['http://2']);
    assert.deepEqual(await store.pushUrls('u1', 'rooms'), []);
    await store.deletePushUrls('u1', 's1'); // twice
    await store.deletePushUrls('u1', 'never');
    await store.setPushUrls('u1', 's3', { calls: 'http://3-as-u1' });
    await store.deleteUserPushUrls('u1');
    assert.deepEqual(await store.pushUrls('u1', 'calls'), []);
    assert.deepEqual(await store.pushUrls('u2', 'calls'), ['http://3'], 'another user keeps its registrations');
    await store.deleteUserPushUrls('nobody');
    for (const id of ['s1', 's2', 's3']) assert.ok(await store.getSession(id));
    await store.setPushUrls('u1', 's1', { calls: 'http://again' });
    assert.deepEqual(await store.pushUrls('u1', 'calls'), ['http://again'], 'the user can register again');
  });

  it('never-used sessions: a flood evicts the oldest never-used ones only, never a used one or its push URLs', async (setup) => {
    const { store } = setup({ sessions: 2, unusedSessions: 3 });
    const day = 86_400_000;
    await store.createSession('u1', session('u1'), day);
    await store.createSession('u2', session('u2'), day);
    await store.setPushUrls('user-u1', 'u1', { calls: 'http://push/u1' });
    await store.touchSession('u1', day); // used: its registration stays
    await store.touchSession('u2', day);
    await store.createSession('f0', session('f0'), day);
    await store.setPushUrls('user-f0', 'f0', { calls: 'http://push/f0' });
    for (let i = 1; i < 10; i++) await store.createSession(`f${i}`, session(`f${i}`), day);
    assert.ok(await store.getSession('u1'));
    assert.ok(await store.getSession('u2'));
    assert.deepEqual(await store.pushUrls('user-u1', 'calls'), ['http://push/u1']);
    for (let i = 0; i < 7; i++) assert.equal(await store.getSession(`f${i}`), undefined, `f${i}, among the oldest never-used, went`);
    for (let i = 7; i < 10; i++) assert.ok(await store.getSession(`f${i}`), `f${i} is among the newest`);
    assert.deepEqual(await store.pushUrls('user-f0', 'calls'), [], 'an evicted session takes its registration along');
    await store.touchSession('f9', day); // the used budget is full: f9 stays never-used, nobody used is pushed out
    for (const id of ['u1', 'u2', 'f9']) assert.ok(await store.getSession(id));
    assert.deepEqual(await store.stats(), { sessions: 5, unusedSessions: 3, callUrls: 0 });
  });

  it('never-used sessions: with the used budget full a touched session stays never-used; expired used ones make room', async (setup) => {
    const { store, time } = setup({ sessions: 2, unusedSessions: 3 });
    await store.createSession('u1', session('u1'), 1000);
    await store.createSession('u2', session('u2'), 5000);
    await store.touchSession('u1', 1000);
    await store.touchSession('u2', 5000);
    await store.createSession('f9', session('f9'), 5000);
    await store.touchSession('f9', 5000); // authenticates, but the used budget is full
    assert.ok(await store.getSession('u1'));
    assert.ok(await store.getSession('u2'));
    assert.ok(await store.getSession('f9'));
    assert.deepEqual(await store.stats(), { sessions: 3, unusedSessions: 1, callUrls: 0 });
    time.advance(1000); // u1 expired: one used place is free again
    await store.sweep();
    await store.touchSession('f9', 5000);
    assert.deepEqual(await store.stats(), { sessions: 2, unusedSessions: 0, callUrls: 0 });
    for (let i = 0; i < 5; i++) await store.createSession(`n${i}`, session(`n${i}`), 5000);
    assert.ok(await store.getSession('f9'), 'now used, a flood does not evict it');
  });
}
