import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { StoreError } from '../../src/store/errors.ts';
import { Deadlines } from '../../src/store/redis/deadlines.ts';

test('within its deadline an operation settles as it did; past it, a StoreError naming it; a late settlement changes nothing', async () => {
  const deadlines = new Deadlines(60, 10);
  // The check's timer does not hold the process (a server's sockets do): this test holds it.
  const keepAlive = setInterval(() => {}, 1000);
  after(() => clearInterval(keepAlive));
  assert.equal(await deadlines.within(Promise.resolve('answer'), 'take'), 'answer');
  await assert.rejects(deadlines.within(Promise.reject(new Error('refused')), 'send'), /^Error: refused$/);

  let finish!: (v: string) => void;
  const slow = new Promise<string>((resolve) => (finish = resolve));
  const started = performance.now();
  await assert.rejects(deadlines.within(slow, 'open'), (err: unknown) => {
    assert.ok(err instanceof StoreError);
    assert.equal(err.message, 'open: Redis did not answer within 60 ms');
    return true;
  });
  const took = performance.now() - started;
  assert.ok(took >= 55 && took < 500, `given up after ${took} ms`);
  finish('too late'); // nobody hears it; no unhandled rejection either
  // Calls made later get their own full allowance.
  assert.equal(await deadlines.within(new Promise((r) => setTimeout(r, 30, 'in time')), 'take'), 'in time');
});
