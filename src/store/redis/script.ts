import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * The start of every script: ARGV[1] is the deployment's key prefix (P),
 * ARGV[2] the time in ms, or '' for Redis's own clock (TIME), so that every
 * node of a deployment measures lifetimes alike; tests pass their fake
 * clock's reading. The operation's own arguments follow.
 */
export const CLOCK_PRELUDE = `
local P = ARGV[1]
local NOW = tonumber(ARGV[2])
if not NOW then
  local t = redis.call('TIME')
  NOW = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

/**
 * A Lua script run with EVALSHA (the body is sent with EVAL on its first run
 * on each connection, and again on a NOSCRIPT answer), its arguments all in
 * ARGV: the scripts compute their key names from the deployment's prefix.
 */
export class Script {
  readonly sha: string;
  /** Connections that have been sent the body once (with EVAL, which also caches it in Redis). */
  readonly #sent = new WeakSet<Redis>();

  constructor(readonly name: string, readonly lua: string) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  /** Runs it; replies come back as strings, numbers, arrays or null. */
  run(redis: Redis, args: readonly (string | number | Buffer)[]): Promise<unknown> {
    if (this.#firstOn(redis)) return redis.eval(this.lua, 0, ...args);
    return redis.evalsha(this.sha, 0, ...args).catch((err: unknown) => {
      if (!isNoScript(err)) throw err;
      return redis.eval(this.lua, 0, ...args);
    });
  }

  /** Runs it; every bulk string of the reply comes back as a Buffer (binary message bodies). */
  runBuffer(redis: Redis, args: readonly (string | number | Buffer)[]): Promise<unknown> {
    const buffers = redis as unknown as BufferReplies;
    if (this.#firstOn(redis)) return buffers.evalBuffer(this.lua, 0, ...args);
    return buffers.evalshaBuffer(this.sha, 0, ...args).catch((err: unknown) => {
      if (!isNoScript(err)) throw err;
      return buffers.evalBuffer(this.lua, 0, ...args);
    });
  }

  /**
   * Whether this is its first run on `redis`: then the body goes out at once.
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

/**
 * ioredis makes a Buffer-reply twin of every command at run time, but its
 * types omit these two (and `callBuffer` loses its command name when
 * auto-pipelined).
 */
interface BufferReplies {
  evalshaBuffer(sha: string, keys: number, ...args: readonly (string | number | Buffer)[]): Promise<unknown>;
  evalBuffer(lua: string, keys: number, ...args: readonly (string | number | Buffer)[]): Promise<unknown>;
}

const isNoScript = (err: unknown) => err instanceof Error && err.message.startsWith('NOSCRIPT');
