import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CallUrls, type CallUrlDeps } from '../../../src/loop/call-urls/index.ts';
import { isLoopError, type LoopError } from '../../../src/loop/errors.ts';
import { WRONG_TYPE } from '../../../src/loop/input.ts';
import { MemoryLoopStore } from '../../../src/store/memory/loop.ts';
import { FakeTime } from '../../helpers/fake-time.ts';

const EPOCH_MS = 1_700_000_000_500;
const NOW_SEC = 1_700_000_000;
const HOUR_MS = 3_600_000;

function setup(over: Partial<CallUrlDeps> = {}, settings: Partial<CallUrlDeps['settings']> = {}) {
  const time = new FakeTime();
  const store = new MemoryLoopStore({ clock: time, limits: { sessions: 10, callUrls: 100, nonces: 10 } });
  let seq = 0;
  const callUrls = new CallUrls({
    store,
    settings: { timeout: 720, maxTimeout: 720, tokenSize: 8, allowCreate: true, ...settings },
    limits: { callUrlsPerUser: 3, callUrlTextSize: 10 },
    nowMs: () => EPOCH_MS + time.now(),
    newToken: (bytes) => `t${++seq}-${bytes}`,
    ...over,
  });
  return { time, store, callUrls };
}
const ok = <T>(v: T | LoopError | null): T => {
  assert.ok(v !== null && !isLoopError(v), `unexpected error ${JSON.stringify(v)}`);
  return v as T;
};
const failure = (v: unknown): [number, number, unknown] => {
  assert.ok(isLoopError(v), `expected an error, got ${JSON.stringify(v)}`);
  return [v.status, v.errno, v.error];
};
const ALICE = { userKey: 'alice', identity: 'alice@example.com' };

test('create: default lifetime, issuer from the identity, token of tokenSize bytes, stored record without absent fields', async () => {
  const { store, callUrls } = setup();
  const created = ok(await callUrls.create(ALICE, { callerId: 'Bob' }));
  assert.deepEqual(created, { callToken: 't1-8', expiresAt: NOW_SEC + 720 * 3600 });
  assert.deepEqual(await store.getCallUrl('t1-8'), {
    token: 't1-8', userKey: 'alice', callerId: 'Bob', issuer: 'alice@example.com', timestamp: NOW_SEC, expires: NOW_SEC + 720 * 3600,
  });
  const anonymous = ok(await callUrls.create({ userKey: 'anon' }, { expiresIn: 2, issuer: '', subject: 'hi' }));
  assert.deepEqual(await store.getCallUrl(anonymous.callToken), {
    token: anonymous.callToken, userKey: 'anon', issuer: '', subject: 'hi', timestamp: NOW_SEC, expires: NOW_SEC + 7200,
  });
  const named = ok(await callUrls.create(ALICE, { issuer: 'Alice' }));
  assert.equal((await store.getCallUrl(named.callToken))?.issuer, 'Alice', 'a given issuer wins over the identity');
});

test('create: expiresIn then the text fields in order, each with its exact message', async () => {
  const { callUrls, store } = setup();
  const invalid = (message: string) => [400, 107, message];
  assert.deepEqual(failure(await callUrls.create(ALICE, { expiresIn: NaN, callerId: WRONG_TYPE })), invalid('expiresIn should be a valid number'));
  assert.deepEqual(failure(await callUrls.create(ALICE, { expiresIn: 0 })), invalid('expiresIn should be a valid number'));
  assert.deepEqual(failure(await callUrls.create(ALICE, { expiresIn: -1 })), invalid('expiresIn should be a valid number'));
  assert.deepEqual(failure(await callUrls.create(ALICE, { expiresIn: 721 })), invalid('expiresIn should be less than 720'));
  assert.deepEqual(failure(await callUrls.create(ALICE, { callerId: WRONG_TYPE, issuer: 'x'.repeat(11) })), invalid('callerId should be a string'));
  assert.deepEqual(failure(await callUrls.create(ALICE, { callerId: 'x'.repeat(11), issuer: WRONG_TYPE })), invalid('callerId should be shorter than 10 characters'));
  assert.deepEqual(failure(await callUrls.create(ALICE, { issuer: WRONG_TYPE })), invalid('issuer should be a string'));
  assert.deepEqual(failure(await callUrls.create(ALICE, { subject: 'x'.repeat(11) })), invalid('subject should be shorter than 10 characters'));
  assert.equal(await store.countCallUrls('alice'), 0, 'nothing stored for a refused request');
  ok(await callUrls.create(ALICE, { expiresIn: 720, callerId: 'x'.repeat(10) }));
});

test('create: the per-user cap refuses (403 errno 999) without evicting; other users unaffected', async () => {
  const { callUrls, store } = setup();
  for (let i = 0; i < 3; i++) ok(await callUrls.create(ALICE, {}));
  assert.deepEqual(failure(await callUrls.create(ALICE, {})), [403, 999, 'Too many call URLs: a user may have at most 3.']);
  assert.equal(await store.countCallUrls('alice'), 3);
  ok(await callUrls.create({ userKey: 'bob' }, {}));
});

test('create: refused with 405 errno 204 when allowCreate is off, whatever the request', async () => {
  const { callUrls } = setup({}, { allowCreate: false });
  assert.deepEqual(failure(callUrls.creationRefusal()), [405, 204, 'No longer supported']);
  assert.deepEqual(failure(await callUrls.create(ALICE, { expiresIn: NaN })), [405, 204, 'No longer supported']);
  assert.equal(setup().callUrls.creationRefusal(), null);
});

test('list: the user\'s live URLs oldest first, no token or owner key, absent fields omitted', async () => {
  const { callUrls, time } = setup();
  ok(await callUrls.create(ALICE, { callerId: 'first', subject: 's' }));
  time.advance(2000);
  ok(await callUrls.create(ALICE, { expiresIn: 1 }));
  ok(await callUrls.create({ userKey: 'bob' }, {}));
  const listing = await callUrls.list('alice');
  assert.deepEqual(listing, [
    { callerId: 'first', issuer: 'alice@example.com', subject: 's', timestamp: NOW_SEC, expires: NOW_SEC + 720 * 3600 },
    { issuer: 'alice@example.com', timestamp: NOW_SEC + 2, expires: NOW_SEC + 2 + 3600 },
  ]);
  assert.deepEqual(Object.keys(listing[0]), ['callerId', 'issuer', 'subject', 'timestamp', 'expires']);
  time.advance(HOUR_MS);
  assert.equal((await callUrls.list('alice')).length, 1, 'the one-hour URL has expired');
  assert.deepEqual(await callUrls.list('nobody'), []);
});

test('update: 404, then expiresIn, then ownership (404 Not Found.), then the text fields; fields replaced, not merged', async () => {
  const { callUrls, store, time } = setup();
  const { callToken } = ok(await callUrls.create(ALICE, { callerId: 'c', subject: 's', issuer: 'i' }));
  assert.deepEqual(failure(await callUrls.update('nope', 'alice', { expiresIn: NaN })), [404, 105, 'Token not found.']);
  assert.deepEqual(failure(await callUrls.update(callToken, 'mallory', { expiresIn: NaN })), [400, 107, 'expiresIn should be a valid number']);
  assert.deepEqual(failure(await callUrls.update(callToken, 'mallory', { callerId: WRONG_TYPE })), [404, 105, 'Not Found.']);
  assert.deepEqual(failure(await callUrls.update(callToken, 'alice', { subject: WRONG_TYPE })), [400, 107, 'subject should be a string']);
  time.advance(5000);
  assert.deepEqual(ok(await callUrls.update(callToken, 'alice', { callerId: 'new' })), { expiresAt: NOW_SEC + 5 + 720 * 3600 });
  assert.deepEqual(await store.getCallUrl(callToken), {
    token: callToken, userKey: 'alice', callerId: 'new', issuer: '', timestamp: NOW_SEC + 5, expires: NOW_SEC + 5 + 720 * 3600,
  });
  ok(await callUrls.update(callToken, 'alice', { expiresIn: 1 }));
  time.advance(HOUR_MS + 1000);
  assert.equal(await store.getCallUrl(callToken), undefined, 'the new lifetime applies to the stored record');
});

test('revoke: 404 unknown, 403 another user\'s (kept), else deleted', async () => {
  const { callUrls, store } = setup();
  const { callToken } = ok(await callUrls.create(ALICE, {}));
  assert.deepEqual(failure(await callUrls.revoke('nope', 'alice')), [404, 105, 'Token not found.']);
  assert.deepEqual(failure(await callUrls.revoke(callToken, 'mallory')), [403, 110, 'Forbidden']);
  assert.ok(await store.getCallUrl(callToken));
  assert.equal(await callUrls.revoke(callToken, 'alice'), null);
  assert.equal(await store.getCallUrl(callToken), undefined);
  assert.deepEqual(failure(await callUrls.revoke(callToken, 'alice')), [404, 105, 'Token not found.']);
});
