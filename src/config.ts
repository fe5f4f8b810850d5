import { Type, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { readFileSync } from 'node:fs';
import { ConfigError } from './config-error.ts';
import { ExternalOptionsError } from './loop/external/options.ts';
import type { TurnSettings } from './turn/credentials.ts';
import { turnSettingsFromEnv } from './turn/settings.ts';
import { trustProxyProblem } from './limits/client-address.ts';
import { LOOP_KEYS, LoopSettingsSchema, loopConsistency, withSecrets, type LoopConfig } from './loop/settings.ts';

/** The one typed, frozen configuration. Times carry their unit in the name. */
export interface Config {
  /** TCP port; 0 picks a free one. Default 5000. */
  readonly port: number;
  /** Address to bind. Default 0.0.0.0. */
  readonly host: string;
  /** Idle lifetime of an inbox after its owner's last read. Default 60 s. */
  readonly inboxTtlMs: number;
  /** Longest long-poll. Default 30 s. */
  readonly maxWaitMs: number;
  /** Wait used by a GET that asks none. Default 0. */
  readonly defaultWaitMs: number;
  /** Queued messages per inbox. Default 100. */
  readonly inboxCapacity: number;
  /** Largest message body. Default 65536. */
  readonly maxMessageBytes: number;
  /** Live inboxes on this node. Default 1,000,000. */
  readonly maxInboxes: number;
  /** Origins allowed by CORS on the inbox surface; ['*'] allows any. */
  readonly corsOrigins: readonly string[];
  /** pino level: fatal, error, warn, info, debug, trace or silent. */
  readonly logLevel: string;
  /** Start even when the native uWS core failed to load (slow JS fallback). */
  readonly allowUwsFallback: boolean;
  /** The Loop v1 layer (loop-v1.md §15), from the `loop`-level keys of the JSON config file. */
  readonly loop: LoopConfig;
  /** TURN credentials (TURN_SECRET, TURN_URLS, TURN_TTL); undefined when TURN_SECRET is unset (TURN off). */
  readonly turn: TurnSettings | undefined;
  /** Per-client limits on (RATE_LIMITS); false turns every one of them off. Default true. */
  readonly rateLimits: boolean;
  /** Addresses / CIDR networks of trusted proxies, whose X-Forwarded-For names the client. Default none. */
  readonly trustProxy: readonly string[];
  /** New inboxes per client address per minute (0: no limit). Default 60. */
  readonly newInboxesPerMin: number;
  /** HTTP requests per client address per second, with a burst of twice as many (0: no limit). Default 200. */
  readonly requestsPerSec: number;
  /** WebSocket frames per socket per second (0: no limit). Default 100. */
  readonly wsFramesPerSec: number;
  /** Anonymous Loop registrations per client address per minute (0: no limit). Default 30. */
  readonly registrationsPerMin: number;
  /** Loop rooms created per client address per minute (0: no limit). Default 30. */
  readonly roomsPerMin: number;
  /** Busy connections (requests in progress, WebSockets) per client address (0: no limit). Default 256. */
  readonly maxConnectionsPerClient: number;
  /** Busy connections in total; 'auto': the file-descriptor soft limit minus a reserve. */
  readonly maxConnections: number | 'auto';
}

export { ConfigError };

type Kind = 'seconds' | 'integer' | 'string' | 'list' | 'boolean' | 'integer-or-auto';

interface Setting {
  key: keyof Config;
  env: string;
  flag: string;
  kind: Kind;
  schema: TSchema;
  fallback: string;
  /** One line of meaning (for --help). */
  doc?: string;
  /** server, inbox, websocket, turn, loop, storage, logging or limits. */
  group?: string;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const seconds = (opts: object) => Type.Number(opts);
/** A limit: a whole number, 0 meaning "no limit". */
const count = Type.Integer({ minimum: 0, maximum: 1_000_000_000 });

/** Every setting: its env variable, its flag, its schema (in the unit the user writes) and its default. */
const SETTINGS: readonly Setting[] = [
  { key: 'port', env: 'PORT', flag: '--port', kind: 'integer', schema: Type.Integer({ minimum: 0, maximum: 65535 }), fallback: '5000' },
  { key: 'host', env: 'HOST', flag: '--host', kind: 'string', schema: Type.String({ minLength: 1 }), fallback: '0.0.0.0' },
  { key: 'inboxTtlMs', env: 'INBOX_TTL', flag: '--inbox-ttl', kind: 'seconds', schema: seconds({ exclusiveMinimum: 0, maximum: 86400 }), fallback: '60' },
  { key: 'maxWaitMs', env: 'MAX_WAIT', flag: '--max-wait', kind: 'seconds', schema: seconds({ minimum: 0, maximum: 3600 }), fallback: '30' },
  { key: 'defaultWaitMs', env: 'DEFAULT_WAIT', flag: '--default-wait', kind: 'seconds', schema: seconds({ minimum: 0, maximum: 3600 }), fallback: '0' },
  { key: 'inboxCapacity', env: 'INBOX_CAPACITY', flag: '--inbox-capacity', kind: 'integer', schema: Type.Integer({ minimum: 1, maximum: 1_000_000 }), fallback: '100' },
  { key: 'maxMessageBytes', env: 'MAX_MESSAGE_BYTES', flag: '--max-message-bytes', kind: 'integer', schema: Type.Integer({ minimum: 1, maximum: 64 * 1024 * 1024 }), fallback: '65536' },
  { key: 'maxInboxes', env: 'MAX_INBOXES', flag: '--max-inboxes', kind: 'integer', schema: Type.Integer({ minimum: 1, maximum: 100_000_000 }), fallback: '1000000' },
  { key: 'corsOrigins', env: 'CORS_ORIGINS', flag: '--cors-origins', kind: 'list', schema: Type.Array(Type.String({ minLength: 1, pattern: '^(\\*|https?://[^\\s,/]+)$' }), { minItems: 1 }), fallback: '*' },
  { key: 'logLevel', env: 'LOG_LEVEL', flag: '--log-level', kind: 'string', schema: Type.Union(LOG_LEVELS.map((l) => Type.Literal(l))), fallback: 'info' },
  { key: 'allowUwsFallback', env: 'ALLOW_UWS_FALLBACK', flag: '--allow-uws-fallback', kind: 'boolean', schema: Type.Boolean(), fallback: '0' },
  { key: 'rateLimits', env: 'RATE_LIMITS', flag: '--rate-limits', kind: 'boolean', schema: Type.Boolean(), fallback: 'on', group: 'limits', doc: 'per-client limits on or off (off: every RATE_LIMIT_* and MAX_CONNECTIONS_PER_CLIENT)' },
  { key: 'trustProxy', env: 'TRUST_PROXY', flag: '--trust-proxy', kind: 'list', schema: Type.Array(Type.String({ minLength: 1 })), fallback: '', group: 'limits', doc: 'comma list of proxy addresses or CIDR networks whose X-Forwarded-For is believed' },
  { key: 'newInboxesPerMin', env: 'RATE_LIMIT_NEW_INBOXES', flag: '--rate-limit-new-inboxes', kind: 'integer', schema: count, fallback: '60', group: 'limits', doc: 'new inboxes per client address per minute (0: no limit)' },
  { key: 'requestsPerSec', env: 'RATE_LIMIT_REQUESTS', flag: '--rate-limit-requests', kind: 'integer', schema: count, fallback: '200', group: 'limits', doc: 'HTTP requests per client address per second, bursts of twice that (0: no limit)' },
  { key: 'wsFramesPerSec', env: 'RATE_LIMIT_WS_FRAMES', flag: '--rate-limit-ws-frames', kind: 'integer', schema: count, fallback: '100', group: 'limits', doc: 'WebSocket frames per socket per second (0: no limit)' },
  { key: 'registrationsPerMin', env: 'RATE_LIMIT_REGISTRATIONS', flag: '--rate-limit-registrations', kind: 'integer', schema: count, fallback: '30', group: 'limits', doc: 'anonymous Loop registrations per client address per minute (0: no limit)' },
  { key: 'roomsPerMin', env: 'RATE_LIMIT_ROOMS', flag: '--rate-limit-rooms', kind: 'integer', schema: count, fallback: '30', group: 'limits', doc: 'Loop rooms created per client address per minute (0: no limit)' },
  { key: 'maxConnectionsPerClient', env: 'MAX_CONNECTIONS_PER_CLIENT', flag: '--max-connections-per-client', kind: 'integer', schema: count, fallback: '256', group: 'limits', doc: 'busy connections (requests in progress, WebSockets) per client address (0: no limit)' },
  { key: 'maxConnections', env: 'MAX_CONNECTIONS', flag: '--max-connections', kind: 'integer-or-auto', schema: Type.Union([Type.Literal('auto'), count]), fallback: 'auto', group: 'limits', doc: 'busy connections in total (auto: file-descriptor limit minus a reserve; 0: no limit)' },
];

/** The names users see, for `--help` and the README. */
export const SETTING_NAMES = SETTINGS.map((s) => ({ env: s.env, flag: s.flag, default: s.fallback }));

function parseFlags(argv: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (flag === CONFIG_FLAG) {
      const path = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (path === undefined) throw new ConfigError(flag, 'needs a value');
      out.set(flag, path);
      continue;
    }
    const setting = SETTINGS.find((s) => s.flag === flag);
    if (!setting) throw new ConfigError(arg, 'unknown command-line flag');
    if (eq > 0) out.set(flag, arg.slice(eq + 1));
    else if (setting.kind === 'boolean') out.set(flag, '1');
    else if (i + 1 < argv.length) out.set(flag, argv[++i]);
    else throw new ConfigError(flag, 'needs a value');
  }
  return out;
}

const CONFIG_FLAG = '--config';
const CONFIG_ENV = 'SIGNALBOX_CONFIG';

/** A setting's key in the JSON config file: its env name in camelCase (INBOX_TTL → inboxTtl). */
const fileKey = (s: Setting) => s.env.toLowerCase().replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

/**
 * Reads the JSON config file: an object whose keys are the camelCase inbox
 * settings (in the units their env variables use), `ip` (same as `host`), and
 * the Loop settings of §15 under their spec names (dotted = nested).
 */
function readConfigFile(path: string | undefined): Record<string, unknown> {
  if (path === undefined || path === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(CONFIG_ENV, `cannot read ${path}: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(CONFIG_ENV, `${path} must hold a JSON object`);
  }
  const known = new Set([...SETTINGS.map(fileKey), 'ip', ...LOOP_KEYS]);
  for (const key of Object.keys(parsed)) {
    if (!known.has(key)) throw new ConfigError(key, `unknown key in ${path}`);
  }
  return parsed as Record<string, unknown>;
}

/** A file value in the form convert() takes: strings as is, numbers/booleans/lists as text. */
function fileText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.map(String).join(',');
  return String(value);
}

/** The Loop section: file values, defaults, TypeBox check, relations between settings. */
function loadLoop(file: Record<string, unknown>): LoopConfig {
  const input: Record<string, unknown> = {};
  for (const key of LOOP_KEYS) if (file[key] !== undefined) input[key] = file[key];
  const value = Value.Default(LoopSettingsSchema, structuredClone(input));
  if (!Value.Check(LoopSettingsSchema, value)) {
    const first = Value.Errors(LoopSettingsSchema, value).First();
    const name = first ? first.path.slice(1).replace(/\//g, '.') || 'loop' : 'loop';
    throw new ConfigError(name, first ? `${JSON.stringify(first.value)}: ${first.message}` : 'invalid');
  }
  const loop = withSecrets(value);
  const problem = loopConsistency(loop);
  if (problem) throw new ConfigError(problem[0], problem[1]);
  return deepFreeze(loop);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function convert(setting: Setting, raw: string): unknown {
  const text = raw.trim();
  switch (setting.kind) {
    case 'string':
      return text;
    case 'list':
      return text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    case 'integer-or-auto':
      return /^auto$/i.test(text) ? 'auto' : /^\d+$/.test(text) ? Number(text) : text;
    case 'boolean':
      if (/^(1|true|yes|on)$/i.test(text)) return true;
      if (/^(0|false|no|off|)$/i.test(text)) return false;
      return text;
    default:
      // Number('') is 0 and Number('0x10') is 16: accept plain decimals only.
      return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
  }
}

/**
 * Builds the config from command-line flags (which win) and environment
 * variables. Throws ConfigError naming the setting on any bad value; this is
 * the only reader of process.env.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env, argv: readonly string[] = []): Config {
  const flags = parseFlags(argv);
  const file = readConfigFile(flags.get(CONFIG_FLAG) ?? env[CONFIG_ENV]);
  const values: Record<string, unknown> = {};
  for (const s of SETTINGS) {
    const fromFlag = flags.get(s.flag);
    const fromFile = fileText(file[fileKey(s)] ?? (s.key === 'host' ? file.ip : undefined));
    const name = fromFlag !== undefined ? s.flag : env[s.env] !== undefined || fromFile === undefined ? s.env : fileKey(s);
    const raw = fromFlag ?? env[s.env] ?? fromFile ?? s.fallback;
    const value = convert(s, raw);
    if (!Value.Check(s.schema, value)) {
      const first = Value.Errors(s.schema, value).First();
      const detail = first ? `${JSON.stringify(raw)}: ${first.message}` : JSON.stringify(raw);
      throw new ConfigError(name, detail);
    }
    values[s.key] = s.kind === 'seconds' ? Math.round((value as number) * 1000) : value;
    // A positive time that rounds to 0 ms would silently mean "no TTL" / "no wait".
    if (values[s.key] === 0 && value !== 0) throw new ConfigError(name, `${JSON.stringify(raw)}: less than 1 ms`);
  }
  const config = values as unknown as Config;
  if (config.defaultWaitMs > config.maxWaitMs) throw new ConfigError('DEFAULT_WAIT', 'must not exceed MAX_WAIT');
  if (config.corsOrigins.includes('*') && config.corsOrigins.length > 1) {
    throw new ConfigError('CORS_ORIGINS', '"*" cannot be combined with other origins');
  }
  const badProxy = trustProxyProblem(config.trustProxy);
  if (badProxy) throw new ConfigError('TRUST_PROXY', badProxy);
  return Object.freeze({
    ...config,
    corsOrigins: Object.freeze([...config.corsOrigins]),
    trustProxy: Object.freeze([...config.trustProxy]),
    loop: asConfigError(() => loadLoop(file)),
    turn: turnSettingsFromEnv(env),
  });
}

/** The external-service options report bad values with their own error type (they load without this module). */
function asConfigError<T>(load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (err instanceof ExternalOptionsError) throw new ConfigError(err.setting, err.detail);
    throw err;
  }
}

/** The config as printed at start-up (seconds for times, like the user wrote them). */
export function describeConfig(config: Config): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of SETTINGS) {
    const v = config[s.key];
    out[s.env] = s.kind === 'seconds' ? (v as number) / 1000 : v;
  }
  out.TURN = config.turn ? { urls: config.turn.urls, ttlSec: config.turn.ttlSec, secret: '(hidden)' } : 'off';
  return out;
}

/** The Loop section as printed at start-up, secrets hidden. */
export function describeLoopConfig(config: Config): Record<string, unknown> {
  const loop = config.loop;
  const hidden = '(hidden)';
  return { ...loop, hawkIdSecret: hidden, userMacSecret: hidden, fxaOAuth: { ...loop.fxaOAuth, client_secret: loop.fxaOAuth.client_secret && hidden } };
}
