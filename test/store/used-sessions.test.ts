import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsedSessions, type SessionEntry } from '../../src/store/memory/used-sessions.ts';
import { FakeTime } from '../helpers/fake-time.ts';

function setup() {
  const time = new FakeTime();
  const gone: string[] = [];
  const sessions = new UsedSessions<string>(() => time.now(), (id) => void gone.push(id));
  const put = (id: string, ttlMs: number): SessionEntry<string> => {
    const entry = { record: id, expiresAtMs: 0 };
    sessions.set(id, entry, ttlMs);
    return entry;
  };
  return { time, gone, sessions, put };
}

test('used sessions: the due sweep drops a session at most a minute after it expired, never before', () => {
  const { time, gone, sessions, put } = setup();
  put('a', 90_000); // expires at 90 s: its bucket ends at 120 s
  put('b', 200_000);
  time.advance(119_999);
  sessions.sweepDue();
  assert.deepEqual(gone, []);
  assert.equal(sessions.size, 2, 'expired but not yet due: still held (read-time expiry hides it)');
  assert.equal(sessions.get('a'), undefined);
  gone.length = 0;
  put('a2', 1); // expires at once
  time.advance(60_001);
  sessions.sweepDue();
  assert.deepEqual(gone, ['a2']);
  assert.equal(sessions.has('b'), true);
});

test('used sessions: a touch moves the session to its new bucket, so its old time drops nothing', () => {
  const { time, gone, sessions, put } = setup();
  const a = put('a', 60_000);
  for (let t = 0; t < 10; t++) {
    time.advance(30_000);
    sessions.touch('a', a, 60_000); // always 60 s ahead
    sessions.sweepDue();
  }
  assert.deepEqual(gone, []);
  time.advance(120_000);
  sessions.sweepDue();
  assert.deepEqual(gone, ['a']);
  assert.equal(sessions.size, 0);
});

test('used sessions: a deleted session leaves the due index, and purgeStale still drops every expired one at once', () => {
  const { time, gone, sessions, put } = setup();
  put('a', 1000);
  put('b', 1000);
  sessions.delete('a');
  assert.deepEqual(gone, ['a']);
  time.advance(1000);
  sessions.purgeStale();
  assert.deepEqual(gone, ['a', 'b']);
  time.advance(120_000);
  sessions.sweepDue();
  assert.deepEqual(gone, ['a', 'b'], 'nothing twice');
});

test('used sessions: purgeSome visits at most its count of entries, in order, going on where the last call stopped', () => {
  const { time, gone, sessions, put } = setup();
  for (let i = 0; i < 10; i++) put(`e${i}`, 1000);
  time.advance(1000); // all expired, none due yet (60 s buckets)
  assert.equal(sessions.purgeSome(4), 4);
  assert.deepEqual(gone, ['e0', 'e1', 'e2', 'e3'], 'the first four, each through onGone');
  assert.equal(sessions.purgeSome(4), 4);
  assert.deepEqual(gone.slice(4), ['e4', 'e5', 'e6', 'e7']);
  assert.equal(sessions.size, 2);
});

test('used sessions: purgeSome drops only expired entries, and starts over once it reached the end', () => {
  const { time, gone, sessions, put } = setup();
  put('a', 1000);
  put('b', 5000);
  put('c', 1000);
  assert.equal(sessions.purgeSome(2), 0, 'nothing expired yet: a and b visited, kept');
  time.advance(1000); // a and c expired
  assert.equal(sessions.purgeSome(2), 2, 'c, then a after starting over');
  assert.deepEqual(gone, ['c', 'a']);
  assert.equal(sessions.purgeSome(10), 0, 'b is live; one visit per entry held, not ten');
  assert.equal(sessions.has('b'), true);
  time.advance(4000);
  assert.equal(sessions.purgeSome(10), 1);
  assert.deepEqual(gone, ['c', 'a', 'b']);
  assert.equal(sessions.purgeSome(10), 0, 'empty: nothing to visit');
});

test('used sessions: entries added or deleted between purgeSome calls are followed, and the due sweep does not see dropped ones again', () => {
  const { time, gone, sessions, put } = setup();
  for (let i = 0; i < 6; i++) put(`e${i}`, 1000);
  time.advance(1000);
  assert.equal(sessions.purgeSome(2), 2); // e0, e1
  sessions.delete('e2'); // the next one to visit
  sessions.delete('e4');
  put('x', 1); // added after the cursor was made: expired a millisecond later
  put('live', 600_000);
  time.advance(1);
  assert.equal(sessions.purgeSome(3), 3, 'e3, e5 and x: the deleted ones skipped, the new one reached');
  assert.deepEqual(gone, ['e0', 'e1', 'e2', 'e4', 'e3', 'e5', 'x']);
  assert.equal(sessions.size, 1);
  assert.equal(sessions.has('live'), true);
  time.advance(119_000); // every bucket of the dropped ones came due: they were unfiled
  sessions.sweepDue();
  assert.deepEqual(gone.slice(7), [], 'nothing twice');
  assert.equal(sessions.has('live'), true);
});

test('used sessions: forgetCursor and purgeStale make the next purgeSome start over at the oldest entry', () => {
  const { time, gone, sessions, put } = setup();
  for (const id of ['a', 'b', 'c']) put(id, 1000);
  sessions.purgeSome(2); // stopped after b
  sessions.forgetCursor();
  time.advance(1000);
  assert.equal(sessions.purgeSome(1), 1);
  assert.deepEqual(gone, ['a'], 'from the start, not c');
  put('d', 1000);
  sessions.purgeStale(); // drops b and c
  assert.deepEqual(gone, ['a', 'b', 'c']);
  time.advance(1000);
  put('e', 1000);
  assert.equal(sessions.purgeSome(1), 1);
  assert.deepEqual(gone, ['a', 'b', 'c', 'd'], 'd, the oldest held');
});
