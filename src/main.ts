import closeWithGrace from 'close-with-grace';
import { createApp } from './app.ts';
import { ConfigError, SETTING_NAMES, describeConfig, describeLoopConfig, loadConfig } from './config.ts';
import { ExternalOptionsError } from './loop/external/options.ts';
import { loadUwsCore } from './http/uws.ts';
import { createLogger } from './logger.ts';

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  console.log('usage: npm start -- [--flag value]...\n');
  for (const s of SETTING_NAMES) console.log(`  ${s.flag.padEnd(22)} env ${s.env.padEnd(19)} default ${s.default}`);
  process.exit(0);
}

let config;
try {
  config = loadConfig(process.env, argv);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(`signalbox: ${err.message}`);
  process.exit(2);
}

const log = createLogger(config.logLevel);
const core = loadUwsCore();
if (!core.native && !config.allowUwsFallback) {
  log.fatal({ core: core.description }, 'refusing to start on the slow fallback core; set ALLOW_UWS_FALLBACK=1 to allow it');
  process.exit(1);
}

let app;
try {
  app = createApp(config, { logger: log, core });
} catch (err) {
  // Some settings (e.g. tokBox credentials for the opentok provider) are checked when their service is built.
  if (!(err instanceof ExternalOptionsError)) throw err;
  console.error(`signalbox: ${err.message}`);
  process.exit(2);
}
const port = await app.listen().catch((err: Error) => {
  log.fatal({ err }, 'cannot listen');
  process.exit(1);
});
const { fd, maxConnections } = app.limits;
log.info(
  {
    core: core.description, native: core.native, config: describeConfig(config), loop: describeLoopConfig(config), port,
    openFiles: { soft: fd.soft, hard: fd.hard }, maxConnections,
  },
  'signalbox started',
);
if (maxConnections === 0 && config.maxConnections === 'auto') log.warn('open-file limit unknown: no total connection cap (set MAX_CONNECTIONS)');

closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
  if (err) log.error({ err }, 'stopping after an uncaught error');
  log.info({ signal }, 'signalbox stopping');
  await app.close();
  log.info('signalbox stopped');
});
