import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { Script } from '../../src/store/redis/script.ts';
import { redisSkip, testConnection } from '../helpers/redis.ts';

const skip = redisSkip();
if (skip) test('Redis scripts', { skip }, () => {});
else {
  const { cmd, prefix } = await testConnection();
  // A body Redis has never seen (a fresh comment), so that no earlier run has cached it.
  const fresh = (body: string) => new Script('test', `-- ${randomBytes(8).toString('hex')}\n${body}`);

  test("a script's first run on a connection is not overtaken by a command sent after it", async () => {
    const key = `${prefix}first`;
    const set = fresh(`redis.call('SET', ARGV[1], ARGV[2]) return 1`);
    const ran = set.run(cmd, [key, 'set by the script']);
    const read = cmd.get(key); // sent after, not awaited between
    assert.equal(await ran, 1);
    assert.equal(await read, 'set by the script');
  });

  test('later runs go by SHA1, which the first run put in Redis\'s cache', async () => {
    const echo = fresh(`return ARGV[1]`);
    assert.equal(await echo.run(cmd, ['one']), 'one');
    assert.deepEqual(await cmd.script('EXISTS', echo.sha), [1]);
    assert.equal(await echo.run(cmd, ['two']), 'two');
    assert.deepEqual(await echo.runBuffer(cmd, ['three']), Buffer.from('three'));
  });
}
