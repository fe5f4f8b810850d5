import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ConfigError, SETTINGS, loadConfig, type Config } from '../src/config.ts';
import { describeConfig } from '../src/config-describe.ts';
import { defaultQueuedBytes, parseBytes, type MemorySource } from '../src/queue-budget.ts';
import { configError } from './helpers/config-error.ts';
import { testCerts } from './helpers/tls-certs.ts';

/** The inbox-level settings (the Loop section, config.loop, has its own tests). */
const DEFAULTS: Omit<Config, 'loop'> = {
  port: 5000,
  host: '0.0.0.0',
  inboxTtlMs: 60_000,
  maxWaitMs: 30_000,
  defaultWaitMs: 0,
  inboxCapacity: 100,
  maxMessageBytes: 65_536,
  maxInboxes: 1_000_000,
  maxQueuedBytes: defaultQueuedBytes(),
  metricsPort: undefined,
  metricsHost: '127.0.0.1',
  corsOrigins: ['*'],
  logLevel: 'info',
  allowUwsFallback: false,
  outboundAllow: [],
  turn: undefined,
  reusePort: false,
  wsAuthTimeoutMs: 5000,
  wsIdleTimeoutSec: 32,
  wsHighWaterBytes: 65_536,
  logFormat: 'auto',
  accessLog: false,
  rateLimits: true,
  trustProxy: [],
  newInboxesPerMin: 60,
  requestsPerSec: 200,
  wsFramesPerSec: 100,
  registrationsPerMin: 30,
  roomsPerMin: 30,
  maxConnectionsPerClient: 256,
  maxConnections: 'auto',
  sharedSecret: undefined,
  storeBackend: 'memory',
  redisUrl: 'redis://127.0.0.1:6379',
  keyPrefix: 'sb:',
  redisSentinels: [],
  redisSentinelName: 'mymaster',
  redisSentinelUsername: undefined,
  redisSentinelPassword: undefined,
  redisSentinelTls: false,
  redisTlsCa: undefined,
  redisTlsCaPem: undefined,
};

/** Each setting: env name, flag, a valid value as written and its parsed value. */
const EVERY: [Exclude<keyof typeof DEFAULTS, 'turn'>, string, string, string, unknown][] = [
  ['port', 'PORT', '--port', '8080', 8080],
  ['host', 'HOST', '--host', '127.0.0.1', '127.0.0.1'],
  ['reusePort', 'REUSE_PORT', '--reuse-port', 'yes', true],
  ['allowUwsFallback', 'ALLOW_UWS_FALLBACK', '--allow-uws-fallback', 'true', true],
  ['corsOrigins', 'CORS_ORIGINS', '--cors-origins', 'https://a.example, http://b.example:8080', ['https://a.example', 'http://b.example:8080']],
  ['inboxTtlMs', 'INBOX_TTL', '--inbox-ttl', '90', 90_000],
  ['maxWaitMs', 'MAX_WAIT', '--max-wait', '45', 45_000],
  ['defaultWaitMs', 'DEFAULT_WAIT', '--default-wait', '5', 5_000],
  ['inboxCapacity', 'INBOX_CAPACITY', '--inbox-capacity', '7', 7],
  ['maxMessageBytes', 'MAX_MESSAGE_BYTES', '--max-message-bytes', '1024', 1024],
  ['maxInboxes', 'MAX_INBOXES', '--max-inboxes', '50', 50],
  ['wsAuthTimeoutMs', 'WS_AUTH_TIMEOUT', '--ws-auth-timeout', '2.5', 2500],
  ['wsIdleTimeoutSec', 'WS_IDLE_TIMEOUT', '--ws-idle-timeout', '60', 60],
  ['wsHighWaterBytes', 'WS_HIGH_WATER', '--ws-high-water', '4096', 4096],
  ['maxQueuedBytes', 'MAX_QUEUED_BYTES', '--max-queued-bytes', '64MiB', 64 * 1024 * 1024],
  ['metricsPort', 'METRICS_PORT', '--metrics-port', '9100', 9100],
  ['metricsHost', 'METRICS_HOST', '--metrics-host', '127.0.0.2', '127.0.0.2'],
  ['logLevel', 'LOG_LEVEL', '--log-level', 'debug', 'debug'],
  ['logFormat', 'LOG_FORMAT', '--log-format', 'json', 'json'],
  ['accessLog', 'ACCESS_LOG', '--access-log', 'on', true],
  ['outboundAllow', 'OUTBOUND_ALLOW', '--outbound-allow', 'push.internal, 10.1.0.0/16,::1', ['push.internal', '10.1.0.0/16', '::1']],
  ['rateLimits', 'RATE_LIMITS', '--rate-limits', 'off', false],
  ['trustProxy', 'TRUST_PROXY', '--trust-proxy', '10.0.0.0/8, ::1', ['10.0.0.0/8', '::1']],
  ['newInboxesPerMin', 'RATE_LIMIT_NEW_INBOXES', '--rate-limit-new-inboxes', '10', 10],
  ['requestsPerSec', 'RATE_LIMIT_REQUESTS', '--rate-limit-requests', '0', 0],
  ['wsFramesPerSec', 'RATE_LIMIT_WS_FRAMES', '--rate-limit-ws-frames', '5', 5],
  ['registrationsPerMin', 'RATE_LIMIT_REGISTRATIONS', '--rate-limit-registrations', '3', 3],
  ['roomsPerMin', 'RATE_LIMIT_ROOMS', '--rate-limit-rooms', '4', 4],
  ['maxConnectionsPerClient', 'MAX_CONNECTIONS_PER_CLIENT', '--max-connections-per-client', '8', 8],
  ['maxConnections', 'MAX_CONNECTIONS', '--max-connections', '1000', 1000],
  ['sharedSecret', 'SHARED_SECRET', '--shared-secret', 'a deployment secret of 32+ chars!', 'a deployment secret of 32+ chars!'],
  ['storeBackend', 'STORE', '--store', 'redis', 'redis'],
  ['redisUrl', 'REDIS_URL', '--redis-url', 'rediss://app:pw@redis.internal:6380/2', 'rediss://app:pw@redis.internal:6380/2'],
  ['keyPrefix', 'KEY_PREFIX', '--key-prefix', 'app1:', 'app1:'],
  ['redisSentinels', 'REDIS_SENTINELS', '--redis-sentinels', 's1.internal:26379, 10.0.0.2:26380', ['s1.internal:26379', '10.0.0.2:26380']],
  ['redisSentinelName', 'REDIS_SENTINEL_NAME', '--redis-sentinel-name', 'signalbox', 'signalbox'],
  ['redisSentinelUsername', 'REDIS_SENTINEL_USERNAME', '--redis-sentinel-username', 'sb-node', 'sb-node'],
  ['redisSentinelPassword', 'REDIS_SENTINEL_PASSWORD', '--redis-sentinel-password', 'hunter3', 'hunter3'],
  ['redisSentinelTls', 'REDIS_SENTINEL_TLS', '--redis-sentinel-tls', 'on', true],
  ['redisTlsCa', 'REDIS_TLS_CA', '--redis-tls-ca', '/etc/ssl/redis-ca.pem', '/etc/ssl/redis-ca.pem'],
];

/** STORE=redis needs SHARED_SECRET: every case below sets one, so each setting can be read alone. */
const SECRET = { SHARED_SECRET: 'x'.repeat(32) };

test('defaults match the spec when nothing is set', () => {
  const c = loadConfig({}, []);
  const inbox = Object.fromEntries(Object.keys(DEFAULTS).map((k) => [k, c[k as keyof Config]]));
  assert.deepEqual(inbox, DEFAULTS);
});

test('the config is frozen, its origin list too', () => {
  const c = loadConfig({}, []);
  assert.ok(Object.isFrozen(c));
  assert.ok(Object.isFrozen(c.corsOrigins));
});

test('every setting is read from its environment variable', () => {
  for (const [key, env, , raw, parsed] of EVERY) {
    assert.deepEqual(loadConfig({ ...SECRET, [env]: raw }, [])[key], parsed, env);
  }
});

test('every setting is read from its flag, as "--flag value" and "--flag=value"', () => {
  for (const [key, , flag, raw, parsed] of EVERY) {
    assert.deepEqual(loadConfig(SECRET, [flag, raw])[key], parsed, flag);
    assert.deepEqual(loadConfig(SECRET, [`${flag}=${raw}`])[key], parsed, `${flag}=`);
  }
});

test('a true/false flag: alone it means true; followed by one of its words, it takes it; anything else after it is the next argument', () => {
  assert.equal(loadConfig({}, ['--access-log']).accessLog, true);
  assert.equal(loadConfig({}, ['--rate-limits', 'off']).rateLimits, false);
  assert.equal(loadConfig({}, ['--rate-limits', 'NO', '--port', '8080']).rateLimits, false);
  assert.equal(loadConfig({}, ['--access-log', '--port', '8080']).port, 8080);
  const stray = configError(() => loadConfig({}, ['--access-log', 'maybe']));
  assert.equal(stray.setting, 'maybe');
  assert.match(stray.message, /unexpected argument/);
});

test('SETTINGS lists every env name and flag with its default, a meaning and a group', () => {
  const turn = [['TURN_SECRET', '--turn-secret'], ['TURN_URLS', '--turn-urls'], ['TURN_TTL', '--turn-ttl']];
  assert.deepEqual(
    SETTINGS.map((s) => [s.env, s.flag]).sort(),
    [...EVERY.map(([, env, flag]) => [env, flag]), ...turn].sort(),
  );
  assert.equal(SETTINGS.find((s) => s.env === 'INBOX_TTL')?.fallback, '60');
  for (const s of SETTINGS) assert.ok(s.doc.length > 10 && s.group, s.env);
});

test('flags win over environment variables', () => {
  const c = loadConfig({ PORT: '1', INBOX_TTL: '5' }, ['--port', '2']);
  assert.equal(c.port, 2);
  assert.equal(c.inboxTtlMs, 5_000);
});

test('a boolean flag alone means true; boolean words are understood', () => {
  assert.equal(loadConfig({}, ['--allow-uws-fallback']).allowUwsFallback, true);
  assert.equal(loadConfig({ ALLOW_UWS_FALLBACK: '1' }, ['--allow-uws-fallback=false']).allowUwsFallback, false);
  assert.equal(loadConfig({}, ['--allow-uws-fallback', 'false']).allowUwsFallback, false);
  for (const [raw, v] of [['1', true], ['yes', true], ['ON', true], ['0', false], ['false', false], ['off', false], ['no', false]] as const) {
    assert.equal(loadConfig({ ALLOW_UWS_FALLBACK: raw }, []).allowUwsFallback, v, raw);
  }
});

test('seconds may be fractional and are stored in ms', () => {
  const c = loadConfig({ INBOX_TTL: '0.5', MAX_WAIT: '1.25', DEFAULT_WAIT: '0.25' }, []);
  assert.equal(c.inboxTtlMs, 500);
  assert.equal(c.maxWaitMs, 1250);
  assert.equal(c.defaultWaitMs, 250);
});

test('surrounding spaces are trimmed', () => {
  assert.equal(loadConfig({ PORT: ' 81 ' }, []).port, 81);
});

test('a maxWait longer than inboxTtl is valid (spec: used as given)', () => {
  const c = loadConfig({ INBOX_TTL: '10', MAX_WAIT: '60' }, []);
  assert.equal(c.maxWaitMs, 60_000);
  assert.equal(c.inboxTtlMs, 10_000);
});

test('each bad value stops with a ConfigError naming the setting', () => {
  const bad: [string, string][] = [
    ['PORT', '-1'], ['PORT', '65536'], ['PORT', '80.5'], ['PORT', 'http'], ['PORT', '0x50'], ['PORT', ''],
    ['HOST', ''], ['HOST', '   '],
    ['INBOX_TTL', '0'], ['INBOX_TTL', '-5'], ['INBOX_TTL', 'soon'], ['INBOX_TTL', '86401'], ['INBOX_TTL', '1e3'],
    ['MAX_WAIT', '-1'], ['MAX_WAIT', '3601'], ['MAX_WAIT', 'x'],
    ['DEFAULT_WAIT', '-1'], ['DEFAULT_WAIT', 'y'],
    ['INBOX_CAPACITY', '0'], ['INBOX_CAPACITY', '1.5'], ['INBOX_CAPACITY', '1000001'],
    ['MAX_MESSAGE_BYTES', '0'], ['MAX_MESSAGE_BYTES', '64k'], ['MAX_MESSAGE_BYTES', String(64 * 1024 * 1024 + 1)],
    ['MAX_INBOXES', '0'], ['MAX_INBOXES', '1,000'],
    ['MAX_QUEUED_BYTES', '0'], ['MAX_QUEUED_BYTES', '-1'], ['MAX_QUEUED_BYTES', '1.5M'], ['MAX_QUEUED_BYTES', '12 parsecs'], ['MAX_QUEUED_BYTES', ''],
    ['METRICS_PORT', '65536'], ['METRICS_PORT', 'x'], ['METRICS_PORT', '-1'],
    ['METRICS_HOST', ''],
    ['CORS_ORIGINS', ''], ['CORS_ORIGINS', ','], ['CORS_ORIGINS', 'example.com'], ['CORS_ORIGINS', 'https://a.example/'],
    ['CORS_ORIGINS', 'ftp://a.example'], ['CORS_ORIGINS', 'null'],
    ['LOG_LEVEL', 'verbose'], ['LOG_LEVEL', ''],
    ['ALLOW_UWS_FALLBACK', 'maybe'],
    ['OUTBOUND_ALLOW', '10.0.0.0/33'], ['OUTBOUND_ALLOW', 'push..internal'], ['OUTBOUND_ALLOW', 'http://push.internal'],
    ['RATE_LIMITS', 'sometimes'],
    ['TRUST_PROXY', 'proxy.example'], ['TRUST_PROXY', '10.0.0.0/33'], ['TRUST_PROXY', '::1/129'], ['TRUST_PROXY', '10.0.0.1/x'],
    ['RATE_LIMIT_NEW_INBOXES', '-1'], ['RATE_LIMIT_REQUESTS', '2.5'], ['RATE_LIMIT_WS_FRAMES', 'many'],
    ['RATE_LIMIT_REGISTRATIONS', ''], ['RATE_LIMIT_ROOMS', '1e3'], ['MAX_CONNECTIONS_PER_CLIENT', '-3'],
    ['MAX_CONNECTIONS', 'lots'], ['MAX_CONNECTIONS', '-1'],
  ];
  for (const [env, raw] of bad) {
    const err = configError(() => loadConfig({ [env]: raw }, []));
    assert.equal(err.setting, env, `${env}=${JSON.stringify(raw)}`);
    assert.match(err.message, new RegExp(`^${env} must be `));
  }
});

test('MAX_CONNECTIONS takes auto (any case) or a whole number; 0 turns a limit off', () => {
  assert.equal(loadConfig({ MAX_CONNECTIONS: 'AUTO' }, []).maxConnections, 'auto');
  assert.equal(loadConfig({ MAX_CONNECTIONS: '0' }, []).maxConnections, 0);
  assert.equal(loadConfig({ RATE_LIMIT_NEW_INBOXES: '0' }, []).newInboxesPerMin, 0);
  assert.equal(loadConfig({}, ['--rate-limits=off']).rateLimits, false);
  assert.ok(Object.isFrozen(loadConfig({ TRUST_PROXY: '127.0.0.1' }, []).trustProxy));
});

test('a bad flag value names the flag', () => {
  assert.equal(configError(() => loadConfig({}, ['--max-wait', 'never'])).setting, '--max-wait');
  assert.equal(configError(() => loadConfig({}, ['--port=abc'])).setting, '--port');
  assert.equal(configError(() => loadConfig({}, ['--port='])).setting, '--port');
});

test('unknown flags and flags without a value are refused', () => {
  assert.equal(configError(() => loadConfig({}, ['--inbox-tll', '5'])).setting, '--inbox-tll');
  assert.match(configError(() => loadConfig({}, ['--inbox-tll', '5'])).message, /unknown command-line flag; see --help/);
  assert.equal(configError(() => loadConfig({}, ['--port'])).setting, '--port');
  assert.match(configError(() => loadConfig({}, ['--port'])).message, /needs a value/);
  assert.equal(configError(() => loadConfig({}, ['5000'])).setting, '5000');
});

test('DEFAULT_WAIT greater than MAX_WAIT is refused; equal is fine', () => {
  const err = configError(() => loadConfig({ DEFAULT_WAIT: '31' }, []));
  assert.equal(err.setting, 'DEFAULT_WAIT');
  assert.match(err.message, /MAX_WAIT/);
  assert.equal(configError(() => loadConfig({ MAX_WAIT: '5' }, ['--default-wait', '6'])).setting, 'DEFAULT_WAIT');
  assert.equal(loadConfig({ DEFAULT_WAIT: '30' }, []).defaultWaitMs, 30_000);
});

test('CORS_ORIGINS: "*" alone, or a list of http(s) origins; "*" cannot be mixed in', () => {
  assert.deepEqual(loadConfig({ CORS_ORIGINS: '*' }, []).corsOrigins, ['*']);
  assert.deepEqual(loadConfig({ CORS_ORIGINS: 'https://a.example,,https://b.example' }, []).corsOrigins, ['https://a.example', 'https://b.example']);
  assert.deepEqual(loadConfig({ CORS_ORIGINS: 'http://localhost:3000' }, []).corsOrigins, ['http://localhost:3000']);
  const err = configError(() => loadConfig({ CORS_ORIGINS: '*,https://a.example' }, []));
  assert.equal(err.setting, 'CORS_ORIGINS');
});

test('OUTBOUND_ALLOW: empty by default; a bad entry is named in the error', () => {
  assert.deepEqual(loadConfig({ OUTBOUND_ALLOW: '' }, []).outboundAllow, []);
  assert.ok(Object.isFrozen(loadConfig({ OUTBOUND_ALLOW: '127.0.0.1' }, []).outboundAllow));
  assert.match(configError(() => loadConfig({ OUTBOUND_ALLOW: '127.0.0.1,fd00::/200' }, [])).message, /fd00::\/200.*prefix length/);
});

test('a time too small to be a whole millisecond is refused rather than rounded to zero', () => {
  // INBOX_TTL must be more than 0; 0.0004 s would round to a 0 ms TTL.
  assert.equal(configError(() => loadConfig({ INBOX_TTL: '0.0004' }, [])).setting, 'INBOX_TTL');
});

test('an error says what the setting allows', () => {
  assert.equal(configError(() => loadConfig({ LOG_LEVEL: 'loud' }, [])).message, 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, not "loud"');
  assert.equal(configError(() => loadConfig({ PORT: 'http' }, [])).message, 'PORT must be a whole number from 0 to 65535, not "http"');
  assert.match(configError(() => loadConfig({ INBOX_TTL: '0' }, [])).message, /^INBOX_TTL must be a number of seconds more than 0 up to 86400/);
  assert.match(configError(() => loadConfig({ ALLOW_UWS_FALLBACK: 'maybe' }, [])).message, /must be true or false/);
  assert.match(configError(() => loadConfig({ HOST: 'not a host' }, [])).message, /^HOST must be an IP address .*or a host name/);
  assert.match(configError(() => loadConfig({ METRICS_HOST: 'x y' }, [])).message, /^METRICS_HOST must be an IP address or a host name/);
  assert.match(configError(() => loadConfig({ HOST: 'bad..name-' }, [])).message, /^HOST must be/);
  assert.equal(loadConfig({ HOST: '::1' }, []).host, '::1');
  assert.equal(loadConfig({ HOST: 'localhost' }, []).host, 'localhost');
  // a secret's value is never repeated in an error
  assert.doesNotMatch(configError(() => loadConfig({ TURN_SECRET: 'hunter2', TURN_URLS: 'http://x' }, [])).message, /hunter2/);
});

test('describeConfig prints every setting by env name, times in seconds as written', () => {
  const d = describeConfig(loadConfig({ INBOX_TTL: '1.5' }, []));
  assert.deepEqual(Object.keys(d).sort(), [...EVERY.map(([, env]) => env), 'TURN', 'loop'].sort());
  assert.equal(d.INBOX_TTL, 1.5);
  assert.equal(d.MAX_WAIT, 30);
  assert.deepEqual(d.CORS_ORIGINS, ['*']);
  assert.equal(d.MAX_QUEUED_BYTES, defaultQueuedBytes(), 'the effective byte budget, not "auto"');
  assert.equal(d.METRICS_PORT, 'unset');
});

test('MAX_QUEUED_BYTES takes bytes with an optional 1024-based unit', () => {
  assert.equal(loadConfig({ MAX_QUEUED_BYTES: '1000' }).maxQueuedBytes, 1000);
  assert.equal(loadConfig({ MAX_QUEUED_BYTES: '512 KiB' }).maxQueuedBytes, 512 * 1024);
  assert.equal(loadConfig({ MAX_QUEUED_BYTES: '2g' }).maxQueuedBytes, 2 * 1024 ** 3);
  assert.equal(loadConfig({ MAX_QUEUED_BYTES: 'auto' }).maxQueuedBytes, defaultQueuedBytes());
  assert.equal(parseBytes('3MB'), 3 * 1024 * 1024);
  assert.equal(parseBytes('3 lightyears'), undefined);
  assert.equal(SETTINGS.find((s) => s.env === 'MAX_QUEUED_BYTES')?.fallback, 'auto');
});

test('the default byte budget: a quarter of the memory or of a lower cgroup limit, within 16 MiB..4 GiB', () => {
  const GiB = 1024 ** 3;
  const source = (total: number, files: Record<string, string> = {}): MemorySource => ({
    totalMemBytes: () => total,
    readText: (path) => files[path],
  });
  assert.equal(defaultQueuedBytes(source(8 * GiB)), 2 * GiB);
  assert.equal(defaultQueuedBytes(source(8 * GiB, { '/sys/fs/cgroup/memory.max': '1073741824\n' })), GiB / 4);
  assert.equal(defaultQueuedBytes(source(8 * GiB, { '/sys/fs/cgroup/memory.max': 'max\n' })), 2 * GiB, '"max": no limit');
  // cgroup v1 says "no limit" with a huge number: the machine's memory counts
  assert.equal(defaultQueuedBytes(source(8 * GiB, { '/sys/fs/cgroup/memory/memory.limit_in_bytes': '9223372036854771712' })), 2 * GiB);
  assert.equal(defaultQueuedBytes(source(64 * GiB)), 4 * GiB, 'capped');
  assert.equal(defaultQueuedBytes(source(32 * 1024 * 1024)), 16 * 1024 * 1024, 'floor');
  // The process's own cgroup below the root (a systemd service's MemoryMax=), or a parent of it, binds too.
  const service = '0::/system.slice/signalbox.service\n';
  assert.equal(defaultQueuedBytes(source(32 * GiB, {
    '/proc/self/cgroup': service, '/sys/fs/cgroup/memory.max': 'max\n', '/sys/fs/cgroup/system.slice/signalbox.service/memory.max': '536870912\n',
  })), 128 * 1024 * 1024);
  assert.equal(defaultQueuedBytes(source(32 * GiB, { '/proc/self/cgroup': service, '/sys/fs/cgroup/system.slice/memory.max': '1073741824\n' })), GiB / 4, 'a parent');
  // cgroup v1: the memory controller's line.
  assert.equal(defaultQueuedBytes(source(32 * GiB, {
    '/proc/self/cgroup': '5:cpu,cpuacct:/app\n4:memory:/app/worker\n', '/sys/fs/cgroup/memory/app/worker/memory.limit_in_bytes': '1073741824\n',
  })), GiB / 4, 'v1');
});

test('TURN_* variables land in config.turn (TURN off without a secret); bad ones stop start-up', () => {
  assert.equal(loadConfig({}).turn, undefined);
  const on = loadConfig({ TURN_SECRET: 's3cret', TURN_URLS: 'turn:t.example:3478', TURN_TTL: '600' });
  assert.deepEqual(on.turn, { secret: 's3cret', urls: ['turn:t.example:3478'], ttlSec: 600 });
  assert.equal(configError(() => loadConfig({ TURN_SECRET: 's3cret' })).setting, 'TURN_URLS');
  assert.deepEqual(describeConfig(on).TURN, { TURN_URLS: ['turn:t.example:3478'], TURN_TTL: 600, TURN_SECRET: '(hidden)' });
});

test('STORE=redis refuses to start without SHARED_SECRET, or with a malformed REDIS_URL (its password never shown) or REDIS_SENTINELS', () => {
  const missing = configError(() => loadConfig({ STORE: 'redis' }, []));
  assert.equal(missing.setting, 'SHARED_SECRET');
  assert.match(missing.message, /required with STORE=redis/);
  assert.equal(configError(() => loadConfig({ STORE: 'redis', SHARED_SECRET: 'short' }, [])).setting, 'SHARED_SECRET');
  // A password with '/' or '@' (unescaped base64 has '/') or a stray '%' (ioredis would throw at connect) included.
  for (const bad of ['http://h:6379', 'redis://', 'redis://:hunter2@h:6379/zero', 'redis:// h', 'redis://:hunter2@[::1', 'redis://app:hun/ter2@h:6379/0', 'redis://:hunter2%ZZ@h:6379', 'redis://app%:hunter2@h']) {
    const err = configError(() => loadConfig({ ...SECRET, STORE: 'redis', REDIS_URL: bad }, []));
    assert.equal(err.setting, 'REDIS_URL', bad);
    assert.ok(!/hunter2|hun\/ter2/.test(err.message), err.message);
  }
  assert.match(configError(() => loadConfig({ ...SECRET, STORE: 'redis', REDIS_URL: 'redis://:S3CR%ETX@h:6379' }, [])).message, /must start an escape such as %25/);
  // An escaped % is fine.
  assert.equal(loadConfig({ ...SECRET, STORE: 'redis', REDIS_URL: 'redis://:S3CR%25ETX@h:6379' }, []).redisUrl, 'redis://:S3CR%25ETX@h:6379');
  for (const bad of ['s1.internal', 's1:0', 's1:70000', 's1:26379:1', ':26379', 'a b:1']) {
    assert.equal(configError(() => loadConfig({ ...SECRET, STORE: 'redis', REDIS_SENTINELS: bad }, [])).setting, 'REDIS_SENTINELS', bad);
  }
  assert.equal(configError(() => loadConfig({ REDIS_SENTINEL_NAME: 'my master' }, [])).setting, 'REDIS_SENTINEL_NAME');
  assert.equal(configError(() => loadConfig({ REDIS_SENTINEL_USERNAME: 'a user' }, [])).setting, 'REDIS_SENTINEL_USERNAME');
  assert.equal(configError(() => loadConfig({ STORE: 'mongo' }, [])).setting, 'STORE');
  assert.equal(configError(() => loadConfig({ KEY_PREFIX: 'a b' }, [])).setting, 'KEY_PREFIX');
  assert.equal(configError(() => loadConfig({ KEY_PREFIX: '' }, [])).setting, 'KEY_PREFIX');
});

test('REDIS_TLS_CA: with STORE=redis its certificates are read at start; a file that cannot be read or holds none refuses the start', () => {
  const certs = testCerts();
  const c = loadConfig({ ...SECRET, STORE: 'redis', REDIS_TLS_CA: certs.ca }, []);
  assert.equal(c.redisTlsCa, certs.ca);
  assert.equal(c.redisTlsCaPem, certs.caPem);
  assert.equal(describeConfig(c).REDIS_TLS_CA, certs.ca, 'the path is printed, not the certificates');
  assert.equal(loadConfig({ ...SECRET, STORE: 'redis' }, []).redisTlsCaPem, undefined);
  const missing = configError(() => loadConfig({ ...SECRET, STORE: 'redis', REDIS_TLS_CA: `${certs.ca}.missing` }, []));
  assert.equal(missing.setting, 'REDIS_TLS_CA');
  assert.match(missing.message, /cannot read .*ca\.pem\.missing: ENOENT/);
  // A key is not a certificate; a damaged certificate is refused too.
  for (const bad of [certs.key, writeTemp('-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n')]) {
    const err = configError(() => loadConfig({ ...SECRET, STORE: 'redis', REDIS_TLS_CA: bad }, []));
    assert.equal(err.setting, 'REDIS_TLS_CA', bad);
    assert.match(err.message, /must be a PEM file of certificates/);
  }
  // On the memory store it is not read at all (as every Redis setting).
  assert.equal(loadConfig({ REDIS_TLS_CA: `${certs.ca}.missing` }, []).redisTlsCaPem, undefined);
});

function writeTemp(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'signalbox-config-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'file.pem');
  writeFileSync(path, text);
  return path;
}

test('REDIS_URL is printed with its password hidden, REDIS_SENTINEL_PASSWORD not at all', () => {
  const d = describeConfig(loadConfig({ ...SECRET, STORE: 'redis', REDIS_URL: 'redis://app:hunter2@redis.internal:6379/1', REDIS_SENTINEL_PASSWORD: 'hunter3' }, []));
  assert.equal(d.REDIS_URL, 'redis://app:(hidden)@redis.internal:6379/1');
  assert.ok(!JSON.stringify(d).includes('hunter3'), JSON.stringify(d));
  assert.equal(d.STORE, 'redis');
  assert.equal(describeConfig(loadConfig({}, [])).REDIS_URL, 'redis://127.0.0.1:6379');
});
