import { createHash } from 'node:crypto';
import { ReplyError, type Redis } from 'ioredis';
import { redisDeadlines as deadlines } from './deadlines.ts';

/**
 * How a family of scripts (the inbox's, the Loop's, ...) starts, in three
 * parts, so that it can run as a Redis function library: `perCall` names the
 * variables every call sets (`setup`, statements on ARGV), `perPrefix` the
 * key names computed from the deployment's key prefix (set again only when
 * the prefix changes), and `helpers` defines the constants and helper
 * functions, once per library load. Every call's ARGV[1] is the prefix (P)
 * and ARGV[2] the time in ms, or '' for Redis's own clock (TIME), so that
 * every node of a deployment measures lifetimes alike; tests pass their fake
 * clock's reading. The operation's own arguments follow.
 */
export interface LibraryParts {
  readonly perPrefix?: { readonly names: readonly string[]; readonly setup: string };
  readonly perCall?: { readonly names: readonly string[]; readonly setup: string };
  readonly helpers: string;
}

const CLOCK_SETUP = `NOW = tonumber(ARGV[2])
if not NOW then
  local t = redis.call('TIME')
  NOW = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end`;

/** Every library defined (one per family of scripts, at module load). */
const libraries: LuaLibrary[] = [];

/**
 * Loads every library into Redis at a node's start, so that the first
 * requests already find their functions; answers whether Redis took them
 * (false: the scripts run as EVAL scripts). A library's scripts load it by
 * themselves where this was not called (tests that share a connection), or
 * after Redis lost it.
 */
export async function loadLibraries(redis: Redis): Promise<boolean> {
  await Promise.all(libraries.map((library) => library.ensureLoaded(redis)));
  return libraries.every((library) => library.functions);
}

/** A library's name and its functions' start with this; the rest is the hash of its code, so versions coexist. */
const LIBRARY_PREFIX = 'signalbox_';

/**
 * The scripts of one family, loaded into Redis as one function library
 * (FUNCTION LOAD, Redis 7): the helpers are then defined once, not on every
 * call as an EVALSHA script's are, which saved Redis a third of a simple
 * operation's run time (INFO commandstats) and a fifth of its CPU per
 * request (the bench's redis-inbox). The library's name carries the hash of
 * its code, so nodes of different versions sharing a Redis (a rolling
 * upgrade) each call their own; a node never replaces or deletes a library. Where Redis
 * refuses functions (before 7.0, or an ACL without them) the same scripts run
 * with EVAL / EVALSHA, as whole scripts.
 */
export class LuaLibrary {
  readonly #scripts: Script[] = [];
  #code: string | undefined;
  #libraryName = '';
  /** Connections on which FUNCTION LOAD was sent (each sends it before its first FCALL, on the same connection). */
  readonly #loadedOn = new WeakSet<Redis>();
  /** False once Redis refused the library: its scripts run with EVAL / EVALSHA from then on. */
  #functions = true;

  constructor(readonly family: string, readonly parts: LibraryParts) {
    libraries.push(this);
  }

  /** A script of this family: the parts, then `body` (which reads ARGV, and returns its answer). */
  script(name: string, body: string): Script {
    if (this.#code !== undefined) throw new Error(`${this.family}.${name}: the library was loaded already; define scripts at module load`);
    if (!/^\w+$/.test(name)) throw new Error(`${this.family}.${name}: a function name has letters, digits and _ only`);
    const script = new Script(`${this.family}.${name}`, this.#asScript(body), this, body);
    this.#scripts.push(script);
    return script;
  }

  /** Whether its scripts run as functions (until Redis refused them). */
  get functions(): boolean {
    return this.#functions;
  }

  /** The library's code: fixed at the first load (no script may be added after). */
  get code(): string {
    if (this.#code === undefined) {
      const code = (prefix: string) => [
        `local ARGV, ${this.#declared().join(', ')}`,
        this.parts.helpers,
        `local function setup(args)\nARGV = args\n${this.#setup()}\nend`,
        ...this.#scripts.map((s) => `redis.register_function('${prefix}${s.shortName}', function(_, args)\nsetup(args)\n${s.body}\nend)`),
      ].join('\n');
      this.#libraryName = `${LIBRARY_PREFIX}${this.family}_${createHash('sha1').update(code('')).digest('hex').slice(0, 16)}`;
      this.#code = `#!lua name=${this.#libraryName}\n${code(`${this.#libraryName}_`)}`;
    }
    return this.#code;
  }

  /** The function a script is registered as. */
  functionName(script: Script): string {
    void this.code;
    return `${this.#libraryName}_${script.shortName}`;
  }

  /**
   * Sends FUNCTION LOAD on `redis` unless it was sent there already: ahead of
   * the FCALL that follows it on the same connection, which Redis therefore
   * runs after it. A library already there (another node, an earlier start)
   * is what we want; a refusal (no functions in this Redis, or not for this
   * user) turns the library into EVAL scripts; any other failure (a lost
   * connection, Redis out of memory) lets the next call try again, this
   * one's FCALL then running as EVAL.
   */
  ensureLoaded(redis: Redis): Promise<void> | undefined {
    if (this.#loadedOn.has(redis)) return undefined;
    this.#loadedOn.add(redis);
    return (redis.function('LOAD', this.code) as Promise<unknown>).then(
      () => {},
      (err: unknown) => {
        const message = err instanceof ReplyError ? (err as Error).message : '';
        if (/already exists/.test(message)) return;
        if (/^ERR unknown (sub)?command|^NOPERM/i.test(message)) this.refused();
        else this.#loadedOn.delete(redis); // lost connection, OOM, LOADING...: the next call tries again
      },
    );
  }

  /** Redis will not run the library's functions (FCALL unknown, or not for this user): EVAL scripts from now on. */
  refused(): void {
    this.#functions = false;
  }

  /** The library is gone from Redis (a restart without persistence, FUNCTION FLUSH): the next call on `redis` loads it again. */
  forget(redis: Redis): void {
    this.#loadedOn.delete(redis);
  }

  #declared(): string[] {
    return ['P', 'NOW', ...(this.parts.perPrefix?.names ?? []), ...(this.parts.perCall?.names ?? [])];
  }

  #setup(): string {
    const perPrefix = this.parts.perPrefix?.setup ?? '';
    return [
      `if P ~= ARGV[1] then\nP = ARGV[1]\n${perPrefix}\nend`,
      CLOCK_SETUP,
      this.parts.perCall?.setup ?? '',
    ].join('\n');
  }

  /** The whole script, as EVAL runs it: the same parts, then the body. */
  #asScript(body: string): string {
    return [`local ${this.#declared().join(', ')}`, this.parts.helpers, this.#setup(), body].join('\n');
  }
}

/**
 * A Lua script, its arguments all in ARGV (the scripts compute their key
 * names from the deployment's prefix). One of a LuaLibrary runs as a Redis
 * function (FCALL) where Redis allows it; otherwise, and a standalone one
 * always, with EVALSHA (the body is sent with EVAL on its first run on each
 * connection, and again on a NOSCRIPT answer).
 */
export class Script {
  readonly sha: string;
  /** Connections that have been sent the body once (with EVAL, which also caches it in Redis). */
  readonly #sent = new WeakSet<Redis>();
  readonly #library: LuaLibrary | undefined;
  #functionName: string | undefined;
  /** Its name within its library (letters, digits and _), and its own statements. */
  readonly shortName: string;
  readonly body: string;

  constructor(readonly name: string, readonly lua: string, library?: LuaLibrary, body = lua) {
    this.sha = createHash('sha1').update(lua).digest('hex');
    this.#library = library;
    this.shortName = name.slice(name.lastIndexOf('.') + 1);
    this.body = body;
  }

  /** Runs it; replies come back as strings, numbers, arrays or null. */
  run(redis: Redis, args: readonly Arg[]): Promise<unknown> {
    return deadlines.within(this.#run(redis, args, PLAIN), this.shortName);
  }

  /** Runs it; every bulk string of the reply comes back as a Buffer (binary message bodies). */
  runBuffer(redis: Redis, args: readonly Arg[]): Promise<unknown> {
    return deadlines.within(this.#run(redis, args, BUFFERS), this.shortName);
  }

  #run(redis: Redis, args: readonly Arg[], replies: Replies): Promise<unknown> {
    const library = this.#library;
    if (library?.functions) {
      library.ensureLoaded(redis);
      return replies.fcall(redis, this.#functionName ??= library.functionName(this), args).catch((err: unknown) => {
        if (!this.#functionMissing(err, redis)) throw err;
        return this.#eval(redis, args, replies);
      });
    }
    return this.#eval(redis, args, replies);
  }

  /**
   * Whether an FCALL failed because Redis does not have the function (lost
   * with a restart), or runs no FCALL (an older Redis, or not for this user:
   * the library is then refused for good): the call then runs as EVAL
   * instead, a round trip later, and the next call loads the library again.
   */
  #functionMissing(err: unknown, redis: Redis): boolean {
    if (!(err instanceof ReplyError)) return false;
    const library = this.#library!;
    const message = (err as Error).message;
    if (/^ERR unknown command 'fcall'|^NOPERM .*'fcall'/i.test(message)) library.refused();
    else if (!/^ERR Function not found/.test(message) && library.functions) return false;
    library.forget(redis);
    return true;
  }

  #eval(redis: Redis, args: readonly Arg[], replies: Replies): Promise<unknown> {
    if (this.#firstOn(redis)) return replies.eval(redis, this.lua, args);
    return replies.evalsha(redis, this.sha, args).catch((err: unknown) => {
      if (!isNoScript(err)) throw err;
      return replies.eval(redis, this.lua, args);
    });
  }

  /**
   * Whether this is its first run on `redis` as EVAL: then the body goes out at once.
   * An EVALSHA answered NOSCRIPT is sent again as EVAL, a round trip later,
   * and commands sent meanwhile on the connection would overtake it (a
   * release overtaken by the next read of its inbox, say). After a Redis
   * restart that lost its script cache it can still happen once per script.
   */
  #firstOn(redis: Redis): boolean {
    if (this.#sent.has(redis)) return false;
    this.#sent.add(redis);
    return true;
  }
}

/** Due entries one sweep script handles at most. */
export const SWEEP_BATCH = 500;
/** Scripts one sweep runs at most, so that a backlog is worked off over several sweeps. */
const MAX_SWEEP_BATCHES = 100;

/**
 * Runs `batch` (one script over at most `size` due entries) again while it
 * answers that its batch was full, at most MAX_SWEEP_BATCHES times.
 */
export async function inBatches(batch: (size: number) => Promise<boolean>): Promise<void> {
  for (let i = 0; i < MAX_SWEEP_BATCHES; i++) if (!(await batch(SWEEP_BATCH))) return;
}

type Arg = string | number | Buffer;

/**
 * ioredis makes a Buffer-reply twin of every command at run time, but its
 * types omit these three (and `callBuffer` loses its command name when
 * auto-pipelined).
 */
interface BufferCommands {
  fcallBuffer(fn: string, keys: number, ...args: readonly Arg[]): Promise<unknown>;
  evalshaBuffer(sha: string, keys: number, ...args: readonly Arg[]): Promise<unknown>;
  evalBuffer(lua: string, keys: number, ...args: readonly Arg[]): Promise<unknown>;
}

/** The three ways a script is run, with its replies as ioredis gives them or as Buffers. */
interface Replies {
  fcall(redis: Redis, fn: string, args: readonly Arg[]): Promise<unknown>;
  evalsha(redis: Redis, sha: string, args: readonly Arg[]): Promise<unknown>;
  eval(redis: Redis, lua: string, args: readonly Arg[]): Promise<unknown>;
}

const PLAIN: Replies = {
  fcall: (redis, fn, args) => redis.fcall(fn, 0, ...args),
  evalsha: (redis, sha, args) => redis.evalsha(sha, 0, ...args),
  eval: (redis, lua, args) => redis.eval(lua, 0, ...args),
};

const BUFFERS: Replies = {
  fcall: (redis, fn, args) => (redis as unknown as BufferCommands).fcallBuffer(fn, 0, ...args),
  evalsha: (redis, sha, args) => (redis as unknown as BufferCommands).evalshaBuffer(sha, 0, ...args),
  eval: (redis, lua, args) => (redis as unknown as BufferCommands).evalBuffer(lua, 0, ...args),
};

const isNoScript = (err: unknown) => err instanceof Error && err.message.startsWith('NOSCRIPT');
