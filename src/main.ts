import closeWithGrace from 'close-with-grace';
import { readFileSync } from 'node:fs';
import { createApp } from './app.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { describeConfig, helpText } from './config-describe.ts';
import { ListenError } from './http/listening.ts';
import { loadUwsCore } from './http/uws.ts';
import { createLogger } from './logger.ts';
import { ExternalOptionsError } from './loop/external/options.ts';
import type { RedisBackend } from './store/redis/index.ts';

/** A refusal to start: one line on stderr and exit status 2 (bad settings, port in use). */
function refuse(message: string): never {
  console.error(`signalbox: ${message}`);
  process.exit(2);
}

const argv = process.argv.slice(2);
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
if (argv.includes('--help') || argv.includes('-h')) {
  console.log(helpText(version));
  process.exit(0);
}
if (argv.includes('--version') || argv.includes('-v')) {
  console.log(`signalbox ${version}`);
  process.exit(0);
}

let config: Config;
try {
  config = loadConfig(process.env, argv);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  refuse(`${err.message} (see --help)`);
}

if (argv.includes('--check-config')) {
  console.log(JSON.stringify(describeConfig(config), null, 2));
  console.error('signalbox: the configuration is valid');
  process.exit(0);
}

const log = createLogger(config.logLevel, config.logFormat);
const core = loadUwsCore();
if (!core.native && !config.allowUwsFallback) {
  log.fatal({ core: core.description }, 'refusing to start on the slow fallback core; set ALLOW_UWS_FALLBACK=1 to allow it');
  process.exit(1);
}
if (core.unusable) {
  log.fatal({ core: core.description }, `cannot start on the fallback core: ${core.unusable}`);
  process.exit(1);
}
if (!core.native) log.warn({ core: core.description, limitations: core.limitations }, 'running on the slow pure-JS fallback core (ALLOW_UWS_FALLBACK=1)');

// STORE=redis: Redis must answer within 5 s, or the node refuses to start (scale-out).
let redis: RedisBackend | undefined;
if (config.storeBackend === 'redis') {
  const { openRedisBackend, RedisStartError } = await import('./store/redis/index.ts'); // only then: ioredis and the Redis stores
  try {
    const sentinel = config.redisSentinels.length === 0 ? undefined : {
      hosts: config.redisSentinels, name: config.redisSentinelName, username: config.redisSentinelUsername, password: config.redisSentinelPassword,
      tls: config.redisSentinelTls,
    };
    redis = await openRedisBackend({ url: config.redisUrl, sentinel, tlsCa: config.redisTlsCaPem, prefix: config.keyPrefix, log });
  } catch (err) {
    if (!(err instanceof RedisStartError)) throw err;
    refuse(err.message);
  }
}

let app;
try {
  app = createApp(config, { logger: log, core, redis });
} catch (err) {
  // Some settings (e.g. tokBox credentials for the opentok provider) are checked when their service is built.
  if (!(err instanceof ExternalOptionsError)) throw err;
  refuse(err.message);
}
try {
  await app.listen();
} catch (err) {
  if (!(err instanceof ListenError)) throw err;
  await redis?.close();
  refuse(err.message);
}
// Before the listening line: whoever waits for it may stop us at once.
closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
  if (err) log.error({ err }, 'stopping after an uncaught error');
  log.info({ signal }, 'signalbox stopping');
  await app.close();
  await redis?.close();
  log.info('signalbox stopped');
});

const urls = app.urls();
const { fd, maxConnections } = app.limits;
log.info({ config: describeConfig(config) }, 'configuration');
log.info(
  { version, core: core.description, store: redis ? `redis ${redis.connection.where} prefix ${config.keyPrefix}` : 'memory', urls, openFiles: { soft: fd.soft, hard: fd.hard }, maxConnections },
  `signalbox ${version} listening on ${urls.api} (demo ${urls.demo}, inbox WebSocket ${urls.inboxWebSocket}, Loop WebSocket ${urls.loopWebSocket}, metrics ${urls.metrics})`,
);
if (maxConnections === 0 && config.maxConnections === 'auto') log.warn('open-file limit unknown: no total connection cap (set MAX_CONNECTIONS)');
