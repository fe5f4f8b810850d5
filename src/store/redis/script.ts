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
 * A Lua script run with EVALSHA (the body is sent once per connection, on
 * the first NOSCRIPT answer), its arguments all in ARGV: the scripts compute
 * their key names from the deployment's prefix.
 */
export class Script {
  readonly #sha: string;

  constructor(readonly name: string, readonly lua: string) {
    this.#sha = createHash('sha1').update(lua).digest('hex');
  }

  /** Runs it; replies come back as strings, numbers, arrays or null. */
  run(redis: Redis, args: readonly (string | number | Buffer)[]): Promise<unknown> {
    return redis.evalsha(this.#sha, 0, ...args).catch((err: unknown) => {
      if (!isNoScript(err)) throw err;
      return redis.eval(this.lua, 0, ...args);
    });
  }

  /** Runs it; every bulk string of the reply comes back as a Buffer (binary message bodies). */
  runBuffer(redis: Redis, args: readonly (string | number | Buffer)[]): Promise<unknown> {
    const buffers = redis as unknown as BufferReplies;
    return buffers.evalshaBuffer(this.#sha, 0, ...args).catch((err: unknown) => {
      if (!isNoScript(err)) throw err;
      return buffers.evalBuffer(this.lua, 0, ...args);
    });
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
