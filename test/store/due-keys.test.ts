import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LRUCache } from 'lru-cache';
import { DueKeys } from '../../src/store/memory/due-keys.ts';
import { lruTime } from '../../src/store/memory/lru-time.ts';
import { FakeTime } from '../helpers/fake-time.ts';

test('due keys: a sweep deletes the entries whose lifetime is over, at most a second late, and no other', () => {
  const time = new FakeTime();
  const lru = lruTime(time);
  const gone: string[] = [];
  const cache = new LRUCache<string, number>({ ...lru.options, max: 100, dispose: (_v, k) => void gone.push(k) });
  const due = new DueKeys(cache, () => time.now());
  const put = (key: string, ttlMs: number) => {
    cache.set(key, 1, lru.ttl(ttlMs));
    return due.file(key, ttlMs);
  };
  put('short', 500);
  const bucket = put('refreshed', 500);
  put('deleted', 500);
  put('long', 5_000);
  time.advance(300);
  due.unfile('refreshed', bucket);
  put('refreshed', 2_000); // until 2300
  cache.delete('deleted');
  gone.length = 0;
  time.advance(700); // 1000: 'short' expired at 500, its bucket (ending at 1000) is due
  due.sweep();
  assert.deepEqual(gone, ['short']);
  time.advance(1_300); // 2300: 'refreshed' is over
  due.sweep();
  assert.deepEqual(gone, ['short'], "'refreshed' comes due with the bucket that ends at 3000");
  time.advance(700);
  due.sweep();
  assert.deepEqual(gone, ['short', 'refreshed']);
  assert.equal(cache.has('long'), true);
  assert.equal(due.size, 1, "only 'long' is still filed");
});
