import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import { Redis } from 'ioredis';
import { LuaLibrary, Script } from '../../src/store/redis/script.ts';
import { ownRedisServer, redisSkip, redisUserUrl, testConnection } from '../helpers/redis.ts';

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

  // A library Redis has never seen (a fresh family name and comment): its scripts are Redis functions.
  const freshLibrary = (parts: Partial<ConstructorParameters<typeof LuaLibrary>[1]> = {}) =>
    new LuaLibrary(`t${randomBytes(6).toString('hex')}`, { helpers: `-- ${randomBytes(8).toString('hex')}`, ...parts });
  const libraryNamed = async (name: string, redis: Redis = cmd) => ((await redis.function('LIST', 'LIBRARYNAME', name)) as unknown[]).length;
  const libraryName = (library: LuaLibrary) => /^#!lua name=(\S+)/.exec(library.code)![1];

  test("a library's scripts run as Redis functions, loaded on their first run", async () => {
    // A user who may not run EVAL scripts: what it runs can only be functions.
    const noEval = new Redis(await redisUserUrl(['-eval', '-evalsha', '-eval_ro', '-evalsha_ro']), { enableAutoPipelining: true });
    after(() => noEval.disconnect());
    const library = freshLibrary({ helpers: 'local function twice(x) return x .. x end' });
    const echo = library.script('echo', 'return twice(ARGV[3])');
    const key = `${prefix}lib-first`;
    const set = library.script('set', `redis.call('SET', ARGV[3], ARGV[4]) return 1`);
    const ran = set.run(noEval, ['p:', '', key, 'set by the function']);
    const read = noEval.get(key); // sent after, not awaited between: the FUNCTION LOAD went out before the FCALL
    assert.equal(await ran, 1);
    assert.equal(await read, 'set by the function');
    assert.equal(await libraryNamed(libraryName(library)), 1);
    assert.equal(await echo.run(noEval, ['p:', '', 'ab']), 'abab');
    assert.deepEqual(await echo.runBuffer(noEval, ['p:', '', 'cd']), Buffer.from('cdcd'));
    assert.ok(library.functions);
    await assert.rejects(fresh('return 1').run(noEval, []), /NOPERM/, 'the control: this user may not run EVAL scripts');
  });

  test('every call sets the clock and the per-call names; the per-prefix names follow a change of prefix', async () => {
    const library = freshLibrary({
      perPrefix: { names: ['K'], setup: `K = P .. 'k'` },
      perCall: { names: ['LATER'], setup: 'LATER = NOW + 1' },
    });
    const show = library.script('show', `return {K, tostring(NOW), tostring(LATER)}`);
    assert.deepEqual(await show.run(cmd, ['a:', '5']), ['a:k', '5', '6']);
    assert.deepEqual(await show.run(cmd, ['b:', '7']), ['b:k', '7', '8']);
    assert.deepEqual(await show.run(cmd, ['a:', '9']), ['a:k', '9', '10']);
    const [, now] = (await show.run(cmd, ['a:', ''])) as string[];
    assert.ok(Math.abs(Number(now) - Date.now()) < 60_000, `Redis's clock (TIME) when none is given: ${now}`);
  });

  test('a library Redis lost (a restart without persistence) is loaded again; the call meanwhile runs as EVAL', async () => {
    const library = freshLibrary();
    const echo = library.script('echo', 'return ARGV[3]');
    assert.equal(await echo.run(cmd, ['p:', '', 'one']), 'one');
    await cmd.function('DELETE', libraryName(library));
    assert.equal(await echo.run(cmd, ['p:', '', 'two']), 'two');
    assert.equal(await echo.run(cmd, ['p:', '', 'three']), 'three');
    assert.equal(await libraryNamed(libraryName(library)), 1);
    assert.ok(library.functions, 'still functions: Redis took the library again');
  });

  test('a user who may load functions but not call them runs the scripts as EVAL, from its first call on', async () => {
    const noFcall = new Redis(await redisUserUrl(['-fcall']), { enableAutoPipelining: true });
    after(() => noFcall.disconnect());
    const library = freshLibrary();
    const echo = library.script('echo', 'return ARGV[3]');
    assert.equal(await echo.run(noFcall, ['p:', '', 'one']), 'one');
    assert.equal(library.functions, false);
    assert.equal(await echo.run(noFcall, ['p:', '', 'two']), 'two');
  });

  test('a library Redis could not load for now (out of memory) is loaded by a later call', async () => {
    const own = await ownRedisServer();
    after(() => own.stop());
    const redis = new Redis(own.url, { enableAutoPipelining: true });
    after(() => redis.disconnect());
    await redis.config('SET', 'maxmemory-policy', 'noeviction');
    await redis.config('SET', 'maxmemory', '1');
    const library = freshLibrary();
    const echo = library.script('echo', 'return ARGV[3]');
    assert.equal(await echo.run(redis, ['p:', '', 'one']), 'one', 'run as EVAL meanwhile');
    assert.equal(await libraryNamed(libraryName(library), redis), 0);
    assert.ok(library.functions, 'not refused for good');
    await redis.config('SET', 'maxmemory', '0');
    assert.equal(await echo.run(redis, ['p:', '', 'two']), 'two');
    assert.equal(await libraryNamed(libraryName(library), redis), 1);
  });

  test("a library's name carries the hash of its code, so two versions live side by side", async () => {
    const family = `t${randomBytes(6).toString('hex')}`;
    const v1 = new LuaLibrary(family, { helpers: '' });
    const s1 = v1.script('which', `return 'one'`);
    const v2 = new LuaLibrary(family, { helpers: '' });
    const s2 = v2.script('which', `return 'two'`);
    assert.notEqual(libraryName(v1), libraryName(v2));
    assert.equal(await s1.run(cmd, ['p:', '']), 'one');
    assert.equal(await s2.run(cmd, ['p:', '']), 'two');
    assert.equal(await s1.run(cmd, ['p:', '']), 'one');
  });

  test('a script added to a library after it was loaded, or named unlike a Redis function, is refused', () => {
    const library = freshLibrary();
    library.script('first', 'return 1');
    void library.code;
    assert.throws(() => library.script('late', 'return 2'), /loaded already/);
    assert.throws(() => freshLibrary().script('not-a-name', 'return 3'), /letters, digits and _ only/);
  });
}
