import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { nameParam, requestedWaitMs } from '../../src/inbox/wait.ts';

test('?wait=N gives N seconds in ms', () => {
  assert.equal(requestedWaitMs('wait=0', ''), 0);
  assert.equal(requestedWaitMs('wait=25', ''), 25_000);
  assert.equal(requestedWaitMs('x=1&wait=3', ''), 3_000);
  assert.equal(requestedWaitMs('wait=999999999', ''), 999_999_999_000);
  // Any number of digits: the service caps it at MAX_WAIT (a number past a double's range is Infinity, capped the same).
  assert.equal(requestedWaitMs('wait=1234567890', ''), 1_234_567_890_000);
  assert.equal(requestedWaitMs(`wait=${'9'.repeat(400)}`, ''), Infinity);
  assert.equal(requestedWaitMs('', `wait=${'1'.repeat(12)}`), 111_111_111_111_000);
});

test('a malformed ?wait is the caller\'s error', () => {
  for (const q of ['wait=', 'wait=-1', 'wait=1.5', 'wait=abc', 'wait=1e3', 'wait=%201', 'wait=0x10']) {
    assert.equal(requestedWaitMs(q, ''), 'invalid', q);
  }
});

test('Prefer: wait=N (RFC 7240), tolerant of other preferences, case and quotes', () => {
  assert.equal(requestedWaitMs('', 'wait=10'), 10_000);
  assert.equal(requestedWaitMs('', 'respond-async, wait=7'), 7_000);
  assert.equal(requestedWaitMs('', 'wait=7, respond-async'), 7_000);
  assert.equal(requestedWaitMs('', 'WAIT = "4"'), 4_000);
  assert.equal(requestedWaitMs('other=1', 'wait=2'), 2_000);
});

test('a Prefer the server does not understand is ignored, not an error', () => {
  for (const p of ['wait=abc', 'wait=-3', 'nowait=5', 'respond-async', 'wait']) {
    assert.equal(requestedWaitMs('', p), undefined, p);
  }
});

test('?wait wins over Prefer; nothing asked is undefined', () => {
  assert.equal(requestedWaitMs('wait=1', 'wait=9'), 1_000);
  assert.equal(requestedWaitMs('', ''), undefined);
  assert.equal(requestedWaitMs('to=x', ''), undefined);
});

test('nameParam decodes percent-escapes but keeps "+" literal', () => {
  assert.equal(nameParam('to=bob', 'to'), 'bob');
  assert.equal(nameParam('to=a+b', 'to'), 'a+b');
  assert.equal(nameParam('to=a%2Bb', 'to'), 'a+b');
  assert.equal(nameParam('to=a%2Fb%3D%3D', 'to'), 'a/b==');
  assert.equal(nameParam('to=a%20b', 'to'), 'a b'); // decoded; the name check refuses it later
  assert.equal(nameParam('x=1&to=c', 'to'), 'c');
  assert.equal(nameParam('to=first&to=second', 'to'), 'first');
});

test('nameParam: absent is null, empty is "", bad escapes are false', () => {
  assert.equal(nameParam('', 'to'), null);
  assert.equal(nameParam('tox=1', 'to'), null);
  assert.equal(nameParam('to', 'to'), '');
  assert.equal(nameParam('to=', 'to'), '');
  assert.equal(nameParam('to=%ZZ', 'to'), false);
  assert.equal(nameParam('to=%E9', 'to'), false); // not UTF-8
});

test('nameParam agrees with splitting on "&" and decoding each value (fast-check over queries of names, escapes and junk)', () => {
  const reference = (query: string, key: string): string | null | false => {
    for (const part of query.split('&')) {
      const eq = part.indexOf('=');
      if ((eq < 0 ? part : part.slice(0, eq)) !== key) continue;
      try {
        return decodeURIComponent(eq < 0 ? '' : part.slice(eq + 1));
      } catch {
        return false;
      }
    }
    return null;
  };
  const piece = fc.constantFrom('to', 'to=', 'tox', 'xto', '=', '&', 'a', '%', '%4', '%41', '%zz', '+', 'bob', '%C3%A9', 'wait=5');
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 8 }).map((p) => p.join('')), (query) => {
      assert.deepEqual(nameParam(query, 'to'), reference(query, 'to'), query);
    }),
    { numRuns: 5000, seed: Number(process.env.FUZZ_SEED ?? 11) },
  );
});
