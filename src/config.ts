import { Type, Value, type TSchema } from './schema.ts';
import { isIP } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from './config-error.ts';
import { redactedUrl } from './config-secrets.ts';
import { readConfigFile, CONFIG_ENV, CONFIG_FLAG } from './config-file.ts';
import { ExternalOptionsError } from './loop/external/options.ts';
import { parseOutboundAllow } from './net/outbound-policy.ts';
import { defaultQueuedBytes, parseBytes } from './queue-budget.ts';
import type { TurnSettings } from './turn/credentials.ts';
import { turnSettingsFrom } from './turn/settings.ts';
import { trustProxyProblem } from './limits/client-address.ts';
import { LOOP_KEYS, LoopSettingsSchema, loopConsistency, withSecrets, type LoopConfig } from './loop/settings.ts';
import { MIN_SHARED_SECRET_LENGTH, loopSecrets } from './crypto/shared-secret.ts';

/** The one typed, frozen configuration. Times carry their unit in the name. */
export interface Config {
  /** TCP port; 0 picks a free one. Default 5000. */
  readonly port: number;
  /** Address to bind. Default 0.0.0.0. */
  readonly host: string;
  /** Let other processes listen on the same port (SO_REUSEPORT). Default false: the port is exclusive. */
  readonly reusePort: boolean;
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
  /** Live inboxes (of the whole deployment with STORE=redis). Default 1,000,000. */
  readonly maxInboxes: number;
  /** Body bytes queued over all inboxes; a send past it is a 503. Default: a quarter of the memory (cgroup limit or total), within 16 MiB..4 GiB. */
  readonly maxQueuedBytes: number;
  /** Port of a separate listener serving only /__metrics__ (0: any free port); undefined: /__metrics__ on the main port. */
  readonly metricsPort: number | undefined;
  /** Address the metrics listener binds. Default 127.0.0.1. */
  readonly metricsHost: string;
  /** Origins allowed by CORS on the inbox surface; ['*'] allows any. */
  readonly corsOrigins: readonly string[];
  /** /inbox/ws: time allowed to send the `auth` frame. Default 5 s. */
  readonly wsAuthTimeoutMs: number;
  /** /inbox/ws: a socket silent about this long is closed; a live one is pinged about every half of it. Default 32 s. */
  readonly wsIdleTimeoutSec: number;
  /** /inbox/ws: bytes buffered for a socket above which messages stay queued. Default 65536. */
  readonly wsHighWaterBytes: number;
  /** pino level: fatal, error, warn, info, debug, trace or silent. */
  readonly logLevel: string;
  /** json, pretty, or auto (pretty when stdout is a terminal). */
  readonly logFormat: 'auto' | 'json' | 'pretty';
  /** One log line per HTTP request (method, route, status, duration, bytes, client address). */
  readonly accessLog: boolean;
  /** Start even when the native uWS core failed to load (slow JS fallback). */
  readonly allowUwsFallback: boolean;
  /**
   * Host names, IP addresses and CIDR networks the server's own requests (push
   * wake-ups, verifiers, provider, heartbeat probes) may reach although they
   * are private, loopback or reserved. Default empty: all such refused.
   */
  readonly outboundAllow: readonly string[];
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
  /**
   * SHARED_SECRET: the deployment's key material (at least 32 characters), from which every node derives
   * the inbox credential key and, unless the Loop config file sets them, Loop's hawkIdSecret and
   * userMacSecret. undefined: random keys per process (one node only).
   */
  readonly sharedSecret: string | undefined;
  /** Where shared state lives: this process's memory (default) or the deployment's Redis. */
  readonly storeBackend: 'memory' | 'redis';
  /** redis:// or rediss:// URL of the deployment's Redis (STORE=redis). Default redis://127.0.0.1:6379. */
  readonly redisUrl: string;
  /** Prefix of every Redis key and channel, so deployments can share one Redis. Default "sb:". */
  readonly keyPrefix: string;
  /** Redis Sentinels (host:port) that name the deployment's primary; empty: REDIS_URL's host is the Redis. */
  readonly redisSentinels: readonly string[];
  /** The name the Sentinels monitor the primary under. Default "mymaster". */
  readonly redisSentinelName: string;
  /** The Sentinels' own user (an ACL user), if they have one. */
  readonly redisSentinelUsername: string | undefined;
  /** The Sentinels' own password (their requirepass, or that user's), if they have one. */
  readonly redisSentinelPassword: string | undefined;
  /** Whether the Sentinels are reached with TLS. */
  readonly redisSentinelTls: boolean;
  /** Path of a PEM file of the CAs that sign the Redis servers' and Sentinels' TLS certificates; undefined: Node's public CAs. */
  readonly redisTlsCa: string | undefined;
  /** That file's certificates (read at start with STORE=redis, so a bad file refuses the start). */
  readonly redisTlsCaPem: string | undefined;
}

export { ConfigError, CONFIG_ENV, CONFIG_FLAG };

type Kind = 'seconds' | 'integer' | 'string' | 'list' | 'boolean' | 'bytes' | 'integer-or-auto';

/** Where a setting is listed in --help and docs/configuration.md. */
export type Group = 'server' | 'inbox' | 'websocket' | 'turn' | 'limits' | 'storage' | 'logging' | 'loop';

/** Settings read from env/flags/file that are not a Config field of their own (they build one). */
type RawKey = 'turnSecret' | 'turnUrls' | 'turnTtlSec';

export interface Setting {
  readonly key: keyof Config | RawKey;
  readonly env: string;
  readonly flag: string;
  readonly kind: Kind;
  readonly schema: TSchema;
  /** The default, as a user would write it ('' = unset). */
  readonly fallback: string;
  /** One line of meaning, for --help and docs/configuration.md. */
  readonly doc: string;
  readonly group: Group;
  /** What is allowed, when the schema alone cannot say it well. */
  readonly allowed?: string;
  /** Never printed or logged (see config-secrets.ts). */
  readonly secret?: boolean;
  /** How the value is printed and logged, when part of it is secret (a password in a URL). */
  readonly redact?: (raw: string) => string;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const oneOf = (values: readonly string[]) => Type.Union(values.map((l) => Type.Literal(l)));
const seconds = (opts: object) => Type.Number(opts);
const HOST_PATTERN = '^[A-Za-z0-9.:\\-\\[\\]%]+$';
/** A limit: a whole number, 0 meaning "no limit". */
const count = Type.Integer({ minimum: 0, maximum: 1_000_000_000 });

/** Every setting: its env variable, its flag, its schema (in the unit the user writes) and its default. */
export const SETTINGS: readonly Setting[] = [
  { key: 'port', env: 'PORT', flag: '--port', kind: 'integer', schema: Type.Integer({ minimum: 0, maximum: 65535 }), fallback: '5000', group: 'server', doc: 'TCP port for HTTP and WebSocket; 0 picks a free one.' },
  { key: 'host', env: 'HOST', flag: '--host', kind: 'string', schema: Type.String({ minLength: 1, pattern: HOST_PATTERN }), fallback: '0.0.0.0', group: 'server', allowed: 'an IP address (0.0.0.0 or :: for every interface) or a host name', doc: 'Address to listen on.' },
  { key: 'reusePort', env: 'REUSE_PORT', flag: '--reuse-port', kind: 'boolean', schema: Type.Boolean(), fallback: 'false', group: 'server', doc: 'Share the port with other processes on this machine (SO_REUSEPORT); only with a shared store.' },
  { key: 'allowUwsFallback', env: 'ALLOW_UWS_FALLBACK', flag: '--allow-uws-fallback', kind: 'boolean', schema: Type.Boolean(), fallback: 'false', group: 'server', doc: 'Start even when the native uWebSockets.js core did not load (slow pure-JS fallback).' },
  { key: 'corsOrigins', env: 'CORS_ORIGINS', flag: '--cors-origins', kind: 'list', schema: Type.Array(Type.String({ minLength: 1, pattern: '^(\\*|https?://[^\\s,/]+)$' }), { minItems: 1 }), fallback: '*', group: 'server', allowed: '"*" or a comma list of origins such as https://app.example', doc: 'Origins allowed by CORS on the inbox surface; * allows any.' },
  { key: 'inboxTtlMs', env: 'INBOX_TTL', flag: '--inbox-ttl', kind: 'seconds', schema: seconds({ exclusiveMinimum: 0, maximum: 86400 }), fallback: '60', group: 'inbox', doc: 'Seconds an inbox lives after the end of its owner\'s last read.' },
  { key: 'maxWaitMs', env: 'MAX_WAIT', flag: '--max-wait', kind: 'seconds', schema: seconds({ minimum: 0, maximum: 3600 }), fallback: '30', group: 'inbox', doc: 'Longest long-poll in seconds (Prefer: wait=N and ?wait=N are capped to it).' },
  { key: 'defaultWaitMs', env: 'DEFAULT_WAIT', flag: '--default-wait', kind: 'seconds', schema: seconds({ minimum: 0, maximum: 3600 }), fallback: '0', group: 'inbox', doc: 'Seconds a GET /inbox waits when it asks for no wait.' },
  { key: 'inboxCapacity', env: 'INBOX_CAPACITY', flag: '--inbox-capacity', kind: 'integer', schema: Type.Integer({ minimum: 1, maximum: 1_000_000 }), fallback: '100', group: 'inbox', doc: 'Messages an inbox holds; a send past it is 503 with Retry-After.' },
  { key: 'maxMessageBytes', env: 'MAX_MESSAGE_BYTES', flag: '--max-message-bytes', kind: 'integer', schema: Type.Integer({ minimum: 1, maximum: 64 * 1024 * 1024 }), fallback: '65536', group: 'inbox', doc: 'Largest message body in bytes; larger is 413.' },
  { key: 'maxInboxes', env: 'MAX_INBOXES', flag: '--max-inboxes', kind: 'integer', schema: Type.Integer({ minimum: 1, maximum: 100_000_000 }), fallback: '1000000', group: 'inbox', doc: 'Live inboxes; a request that would create one more is 503 with Retry-After.' },
  { key: 'wsAuthTimeoutMs', env: 'WS_AUTH_TIMEOUT', flag: '--ws-auth-timeout', kind: 'seconds', schema: seconds({ exclusiveMinimum: 0, maximum: 300 }), fallback: '5', group: 'websocket', doc: 'Seconds an /inbox/ws socket has to send its auth frame (then close 4408).' },
  { key: 'wsIdleTimeoutSec', env: 'WS_IDLE_TIMEOUT', flag: '--ws-idle-timeout', kind: 'integer', schema: Type.Integer({ minimum: 8, maximum: 960 }), fallback: '32', group: 'websocket', doc: 'Seconds of silence after which an /inbox/ws socket is closed; a live one is pinged about every half of it, and its answer keeps it open.' },
  { key: 'wsHighWaterBytes', env: 'WS_HIGH_WATER', flag: '--ws-high-water', kind: 'integer', schema: Type.Integer({ minimum: 1024, maximum: 64 * 1024 * 1024 }), fallback: '65536', group: 'websocket', doc: 'Bytes buffered for an /inbox/ws socket above which its messages wait in the queue.' },
  { key: 'turnSecret', env: 'TURN_SECRET', flag: '--turn-secret', kind: 'string', schema: Type.String(), fallback: '', group: 'turn', secret: true, doc: 'coturn static-auth-secret; set it to turn on GET /turn-credentials.' },
  { key: 'turnUrls', env: 'TURN_URLS', flag: '--turn-urls', kind: 'list', schema: Type.Array(Type.String({ pattern: '^(turns?|stuns?):[^\\s,]+$' })), fallback: '', group: 'turn', allowed: 'a comma list of turn:, turns:, stun: or stuns: URIs', doc: 'TURN/STUN URIs handed out with the credentials (required with TURN_SECRET).' },
  { key: 'turnTtlSec', env: 'TURN_TTL', flag: '--turn-ttl', kind: 'integer', schema: Type.Integer({ minimum: 60, maximum: 7 * 86400 }), fallback: '86400', group: 'turn', doc: 'Seconds TURN credentials stay valid.' },
  { key: 'logLevel', env: 'LOG_LEVEL', flag: '--log-level', kind: 'string', schema: oneOf(LOG_LEVELS), fallback: 'info', group: 'logging', doc: 'Least severe level logged.' },
  { key: 'logFormat', env: 'LOG_FORMAT', flag: '--log-format', kind: 'string', schema: oneOf(['auto', 'json', 'pretty']), fallback: 'auto', group: 'logging', doc: 'json (one object a line), pretty (readable text), or auto: pretty on a terminal, json otherwise.' },
  { key: 'accessLog', env: 'ACCESS_LOG', flag: '--access-log', kind: 'boolean', schema: Type.Boolean(), fallback: 'false', group: 'logging', doc: 'Log one line per HTTP request: method, route, status, duration, bytes, client address as the per-client limits count it (never credentials or bodies).' },
  { key: 'maxQueuedBytes', env: 'MAX_QUEUED_BYTES', flag: '--max-queued-bytes', kind: 'bytes', schema: Type.Integer({ minimum: 1 }), fallback: 'auto', group: 'inbox', allowed: 'a number of bytes, with an optional K, M or G (1024-based), or auto', doc: 'Total bytes of queued message bodies in live inboxes (an expired inbox not yet swept is swept before a send is refused); a send past it is 503 with Retry-After. auto: a quarter of the memory (or of the cgroup limit), 16 MiB to 4 GiB.' },
  { key: 'metricsPort', env: 'METRICS_PORT', flag: '--metrics-port', kind: 'integer', schema: Type.Union([Type.Integer({ minimum: 0, maximum: 65535 }), Type.Undefined()]), fallback: '', group: 'server', allowed: 'a whole number from 0 to 65535, or unset', doc: 'Serve /__metrics__ only on this port, off the public one (0: any free port); unset: on the main port.' },
  { key: 'metricsHost', env: 'METRICS_HOST', flag: '--metrics-host', kind: 'string', schema: Type.String({ minLength: 1, pattern: HOST_PATTERN }), fallback: '127.0.0.1', group: 'server', allowed: 'an IP address or a host name', doc: 'Address of the METRICS_PORT listener.' },
  { key: 'outboundAllow', env: 'OUTBOUND_ALLOW', flag: '--outbound-allow', kind: 'list', schema: Type.Array(Type.String({ minLength: 1 })), fallback: '', group: 'server', allowed: 'a comma list of host names, IP addresses or CIDR networks', doc: 'Private, loopback or reserved destinations the server may call anyway (push servers, verifiers, provider); none by default.' },
  { key: 'rateLimits', env: 'RATE_LIMITS', flag: '--rate-limits', kind: 'boolean', schema: Type.Boolean(), fallback: 'on', group: 'limits', doc: 'Per-client limits on or off; off turns off every RATE_LIMIT_* and MAX_CONNECTIONS_PER_CLIENT (for test rigs, or a proxy that limits already).' },
  { key: 'trustProxy', env: 'TRUST_PROXY', flag: '--trust-proxy', kind: 'list', schema: Type.Array(Type.String({ minLength: 1 })), fallback: '', group: 'limits', allowed: 'a comma list of IP addresses or CIDR networks', doc: 'Proxies whose X-Forwarded-For names the client; never trusted by default.' },
  { key: 'newInboxesPerMin', env: 'RATE_LIMIT_NEW_INBOXES', flag: '--rate-limit-new-inboxes', kind: 'integer', schema: count, fallback: '60', group: 'limits', doc: 'New inboxes per client address per minute (0: no limit).' },
  { key: 'requestsPerSec', env: 'RATE_LIMIT_REQUESTS', flag: '--rate-limit-requests', kind: 'integer', schema: count, fallback: '200', group: 'limits', doc: 'HTTP requests per client address per second, bursts of twice that (0: no limit).' },
  { key: 'wsFramesPerSec', env: 'RATE_LIMIT_WS_FRAMES', flag: '--rate-limit-ws-frames', kind: 'integer', schema: count, fallback: '100', group: 'limits', doc: 'WebSocket frames per socket per second (0: no limit).' },
  { key: 'registrationsPerMin', env: 'RATE_LIMIT_REGISTRATIONS', flag: '--rate-limit-registrations', kind: 'integer', schema: count, fallback: '30', group: 'limits', doc: 'Anonymous Loop registrations per client address per minute (0: no limit).' },
  { key: 'roomsPerMin', env: 'RATE_LIMIT_ROOMS', flag: '--rate-limit-rooms', kind: 'integer', schema: count, fallback: '30', group: 'limits', doc: 'Loop rooms created per client address per minute (0: no limit).' },
  { key: 'maxConnectionsPerClient', env: 'MAX_CONNECTIONS_PER_CLIENT', flag: '--max-connections-per-client', kind: 'integer', schema: count, fallback: '256', group: 'limits', doc: 'Busy connections (requests in progress, long-polls, WebSockets) per client address (0: no limit).' },
  { key: 'sharedSecret', env: 'SHARED_SECRET', flag: '--shared-secret', kind: 'string', schema: Type.Union([Type.Literal(''), Type.String({ minLength: MIN_SHARED_SECRET_LENGTH })]), fallback: '', group: 'storage', secret: true, allowed: `at least ${MIN_SHARED_SECRET_LENGTH} characters (e.g. from openssl rand -base64 32), the same on every node`, doc: 'Key every node derives its keyed hashes from (inbox passwords; Loop hawkIdSecret and userMacSecret unless the config file sets them); unset: random keys per process.' },
  { key: 'storeBackend', env: 'STORE', flag: '--store', kind: 'string', schema: oneOf(['memory', 'redis']), fallback: 'memory', group: 'storage', doc: 'Where inboxes, Loop state and the creation limits live: memory (this process; one node, fastest) or redis (shared by every node on REDIS_URL; needs SHARED_SECRET).' },
  { key: 'redisUrl', env: 'REDIS_URL', flag: '--redis-url', kind: 'string', schema: Type.String({ pattern: '^rediss?://[^\\s]+$' }), fallback: 'redis://127.0.0.1:6379', group: 'storage', redact: redactedUrl, allowed: 'a redis:// or rediss:// URL, with user, password and database number when needed (redis://user:password@host:6379/0)', doc: 'The Redis of the deployment (STORE=redis); its password is never printed.' },
  { key: 'redisSentinels', env: 'REDIS_SENTINELS', flag: '--redis-sentinels', kind: 'list', schema: Type.Array(Type.String({ pattern: '^[^\\s,:]+:\\d{1,5}$' })), fallback: '', group: 'storage', allowed: 'a comma list of host:port', doc: 'Redis Sentinels to ask for the primary of the deployment (STORE=redis): REDIS_URL then gives the user, password, database number and TLS, and its host is not used.' },
  { key: 'redisSentinelName', env: 'REDIS_SENTINEL_NAME', flag: '--redis-sentinel-name', kind: 'string', schema: Type.String({ minLength: 1, pattern: '^[^\\s]+$' }), fallback: 'mymaster', group: 'storage', doc: 'The name the Sentinels monitor the primary under (with REDIS_SENTINELS).' },
  { key: 'redisSentinelUsername', env: 'REDIS_SENTINEL_USERNAME', flag: '--redis-sentinel-username', kind: 'string', schema: Type.String({ pattern: '^[^\\s]*$' }), fallback: '', group: 'storage', doc: "The Sentinels' own ACL user, when they have one (with REDIS_SENTINEL_PASSWORD)." },
  { key: 'redisSentinelPassword', env: 'REDIS_SENTINEL_PASSWORD', flag: '--redis-sentinel-password', kind: 'string', schema: Type.String(), fallback: '', group: 'storage', secret: true, doc: "The Sentinels' own password (their requirepass, or their ACL user's), when they have one; never printed." },
  { key: 'redisSentinelTls', env: 'REDIS_SENTINEL_TLS', flag: '--redis-sentinel-tls', kind: 'boolean', schema: Type.Boolean(), fallback: 'false', group: 'storage', doc: 'Reach the Sentinels with TLS (with REDIS_SENTINELS); their certificates are checked as the Redis servers\' are.' },
  { key: 'redisTlsCa', env: 'REDIS_TLS_CA', flag: '--redis-tls-ca', kind: 'string', schema: Type.String(), fallback: '', group: 'storage', allowed: 'the path of a PEM file', doc: 'A PEM file of the certificate authorities that signed the TLS certificates of the Redis servers (rediss://) and Sentinels (REDIS_SENTINEL_TLS); unset: the public CAs Node trusts.' },
  { key: 'keyPrefix', env: 'KEY_PREFIX', flag: '--key-prefix', kind: 'string', schema: Type.String({ pattern: '^[!-~]{1,64}$' }), fallback: 'sb:', group: 'storage', allowed: '1 to 64 printable ASCII characters, no spaces', doc: 'Prefix of every Redis key and channel, so several deployments can share one Redis.' },
  { key: 'maxConnections', env: 'MAX_CONNECTIONS', flag: '--max-connections', kind: 'integer-or-auto', schema: Type.Union([Type.Literal('auto'), count]), fallback: 'auto', group: 'limits', allowed: 'a whole number (0: no limit) or auto', doc: 'Busy connections in total; auto: the open-file limit minus a reserve. Stays on with RATE_LIMITS=off.' },
];

/** A setting's key in the JSON config file: its env name in camelCase (INBOX_TTL → inboxTtl). */
export const fileKey = (s: Setting): string => s.env.toLowerCase().replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

/** The flags that are commands, not settings. */
export const COMMAND_FLAGS = ['--help', '-h', '--version', '-v', '--check-config'] as const;

function parseFlags(argv: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if ((COMMAND_FLAGS as readonly string[]).includes(arg)) continue;
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (flag === CONFIG_FLAG) {
      const path = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (path === undefined) throw new ConfigError(flag, 'needs a value (a path to a JSON file)');
      out.set(flag, path);
      continue;
    }
    const setting = SETTINGS.find((s) => s.flag === flag);
    if (!setting) {
      const what = arg.startsWith('-') ? 'unknown command-line flag' : 'unexpected argument (flags are --name value or --name=value)';
      throw new ConfigError(arg, `${what}; see --help for the list`);
    }
    if (eq > 0) out.set(flag, arg.slice(eq + 1));
    // A true/false flag alone means true; followed by one of the words it takes, it takes that word.
    else if (setting.kind === 'boolean') out.set(flag, BOOLEAN_WORD.test(argv[i + 1] ?? '') ? argv[++i] : '1');
    else if (i + 1 < argv.length) out.set(flag, argv[++i]);
    else throw new ConfigError(flag, `needs a value: ${allowedText(setting)}`);
  }
  return out;
}

/** A file value in the form convert() takes: strings as is, numbers/booleans/lists as text. */
function fileText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.map(String).join(',');
  return String(value);
}

/** The Loop section: file values, defaults, TypeBox check, relations between settings. */
function loadLoop(file: Record<string, unknown>, sharedSecret: string | undefined): LoopConfig {
  const input: Record<string, unknown> = {};
  for (const key of LOOP_KEYS) if (file[key] !== undefined) input[key] = file[key];
  const value = Value.Default(LoopSettingsSchema, structuredClone(input));
  if (!Value.Check(LoopSettingsSchema, value)) {
    const first = Value.Errors(LoopSettingsSchema, value).First();
    const name = first ? first.path.slice(1).replace(/\//g, '.') || 'loop' : 'loop';
    throw new ConfigError(name, first ? `${JSON.stringify(first.value)}: ${first.message}` : 'invalid');
  }
  const loop = withSecrets(value, sharedSecret === undefined ? undefined : loopSecrets(sharedSecret));
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

const BOOLEAN_WORD = /^(1|true|yes|on|0|false|no|off)$/i;

function convert(setting: Setting, raw: string): unknown {
  const text = raw.trim();
  switch (setting.kind) {
    case 'string':
      return text;
    case 'list':
      return text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    case 'bytes':
      if (text === 'auto') return defaultQueuedBytes();
      return parseBytes(text) ?? text;
    case 'integer-or-auto':
      return /^auto$/i.test(text) ? 'auto' : /^\d+$/.test(text) ? Number(text) : text;
    case 'boolean':
      if (/^(1|true|yes|on)$/i.test(text)) return true;
      if (/^(0|false|no|off|)$/i.test(text)) return false;
      return text;
    default:
      if (text === '') return undefined; // unset; required settings then fail their schema
      // Number('') is 0 and Number('0x10') is 16: accept plain decimals only.
      return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
  }
}

/** What a setting accepts, in words: "one of a, b", "a whole number from 1 to 10". */
export function allowedText(s: Setting): string {
  if (s.allowed) return s.allowed;
  const schema = s.schema as TSchema & { anyOf?: { const: unknown }[]; minimum?: number; maximum?: number; exclusiveMinimum?: number };
  if (schema.anyOf) return `one of ${schema.anyOf.map((o) => String(o.const)).join(', ')}`;
  const low = schema.exclusiveMinimum !== undefined ? `more than ${schema.exclusiveMinimum}` : `from ${schema.minimum}`;
  switch (s.kind) {
    case 'boolean':
      return 'true or false (also 1/0, yes/no, on/off)';
    case 'integer':
      return `a whole number ${low} to ${schema.maximum}`;
    case 'seconds':
      return `a number of seconds ${low} up to ${schema.maximum} (fractions allowed)`;
    case 'bytes':
      return 'a number of bytes, with an optional K, M or G (1024-based)';
    default:
      return 'a non-empty text';
  }
}

/**
 * Builds the config from command-line flags (which win), environment
 * variables, the JSON config file and the defaults. Throws ConfigError naming
 * the setting and what it allows on any bad value; this is the only reader
 * of process.env.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env, argv: readonly string[] = []): Config {
  const flags = parseFlags(argv);
  const file = readConfigFile(flags.get(CONFIG_FLAG) ?? env[CONFIG_ENV], [...SETTINGS.map(fileKey), 'ip', ...LOOP_KEYS]);
  const values: Record<string, unknown> = {};
  for (const s of SETTINGS) {
    const fromFlag = flags.get(s.flag);
    const fromFile = fileText(file[fileKey(s)] ?? (s.key === 'host' ? file.ip : undefined));
    const name = fromFlag !== undefined ? s.flag : env[s.env] !== undefined || fromFile === undefined ? s.env : fileKey(s);
    const raw = fromFlag ?? env[s.env] ?? fromFile ?? s.fallback;
    const value = convert(s, raw);
    const shown = s.secret ? '(hidden)' : JSON.stringify(s.redact ? s.redact(raw) : raw);
    if (!Value.Check(s.schema, value)) throw new ConfigError(name, `must be ${allowedText(s)}, not ${shown}`);
    values[s.key] = s.kind === 'seconds' ? Math.round((value as number) * 1000) : value;
    // A positive time that rounds to 0 ms would silently mean "no TTL" / "no wait".
    if (values[s.key] === 0 && value !== 0) throw new ConfigError(name, `must be at least 0.001 s, not ${shown}`);
  }
  const { turnSecret, turnUrls, turnTtlSec, ...config } = values as unknown as Config & Record<RawKey, never>;
  const sharedSecret = config.sharedSecret || undefined;
  if (config.defaultWaitMs > config.maxWaitMs) throw new ConfigError('DEFAULT_WAIT', 'must not exceed MAX_WAIT');
  if (config.corsOrigins.includes('*') && config.corsOrigins.length > 1) {
    throw new ConfigError('CORS_ORIGINS', '"*" cannot be combined with other origins');
  }
  for (const [env, host] of [['HOST', config.host], ['METRICS_HOST', config.metricsHost]]) {
    if (isIP(host) === 0 && !/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(host)) {
      throw new ConfigError(env, `must be an IP address or a host name, not ${JSON.stringify(host)}`);
    }
  }
  let redisTlsCaPem: string | undefined;
  if (config.storeBackend === 'redis') {
    if (!sharedSecret) {
      throw new ConfigError('SHARED_SECRET', `is required with STORE=redis: at least ${MIN_SHARED_SECRET_LENGTH} characters, the same on every node`);
    }
    const url = redisUrlProblem(config.redisUrl);
    if (url) throw new ConfigError('REDIS_URL', `must be a redis:// or rediss:// URL (${url}), not ${JSON.stringify(redactedUrl(config.redisUrl))}`);
    const sentinel = config.redisSentinels.find((entry) => !isPort(Number(entry.slice(entry.lastIndexOf(':') + 1))));
    if (sentinel !== undefined) throw new ConfigError('REDIS_SENTINELS', `must be a comma list of host:port with ports 1-65535, not ${JSON.stringify(sentinel)}`);
    if (config.redisTlsCa) redisTlsCaPem = readCaFile(config.redisTlsCa);
  }
  const allow = parseOutboundAllow(config.outboundAllow);
  if (!allow.ok) throw new ConfigError('OUTBOUND_ALLOW', `must be a comma list of host names, IP addresses or CIDR networks (${allow.message})`);
  const badProxy = trustProxyProblem(config.trustProxy);
  if (badProxy) throw new ConfigError('TRUST_PROXY', `must be a comma list of IP addresses or CIDR networks (${badProxy})`);
  return Object.freeze({
    ...config,
    corsOrigins: Object.freeze([...config.corsOrigins]),
    outboundAllow: Object.freeze([...config.outboundAllow]),
    trustProxy: Object.freeze([...config.trustProxy]),
    redisSentinels: Object.freeze([...config.redisSentinels]),
    redisSentinelUsername: config.redisSentinelUsername || undefined,
    redisSentinelPassword: config.redisSentinelPassword || undefined,
    redisTlsCa: config.redisTlsCa || undefined,
    redisTlsCaPem,
    sharedSecret,
    loop: asConfigError(() => loadLoop(file, sharedSecret)),
    turn: turnSettingsFrom({ secret: turnSecret, urls: turnUrls, ttlSec: turnTtlSec }),
  });
}

const isPort = (n: number) => Number.isInteger(n) && n >= 1 && n <= 65535;

/** The certificates of a CA file, or a ConfigError naming REDIS_TLS_CA when it cannot be read or holds none. */
function readCaFile(path: string): string {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError('REDIS_TLS_CA', `cannot read ${path}: ${(err as Error).message}`);
  }
  const first = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/.exec(pem)?.[0];
  try {
    if (first === undefined) throw new Error('no "BEGIN CERTIFICATE" block');
    new X509Certificate(first);
  } catch (err) {
    throw new ConfigError('REDIS_TLS_CA', `must be a PEM file of certificates; ${path} is not (${(err as Error).message})`);
  }
  return pem;
}

/** What is wrong with a Redis URL the schema let through (its scheme is redis or rediss), or undefined. */
function redisUrlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'not a URL';
  }
  if (!url.hostname) return 'no host';
  try {
    decodeURIComponent(url.username);
    decodeURIComponent(url.password);
  } catch {
    return 'a % in its user or password must start an escape such as %25, which is how a % itself is written';
  }
  const db = url.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d{1,2}$/.test(db)) return 'the path can only be a database number';
  return undefined;
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
