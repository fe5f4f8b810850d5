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
