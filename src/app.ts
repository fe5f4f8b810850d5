import type { Logger } from 'pino';
import { systemClock, systemTimers, type Clock, type Timers } from './clock.ts';
import type { Config } from './config.ts';
import { HttpServer } from './http/server.ts';
import { loadUwsCore, type LoadedCore } from './http/uws.ts';
import { registerInboxRoutes } from './inbox/http-routes.ts';
import { CredentialHasher } from './inbox/identity.ts';
import { InboxService } from './inbox/service.ts';
import { createLogger } from './logger.ts';
import { Metrics } from './metrics.ts';
import { registerServiceRoutes } from './service-routes.ts';
import { MemoryInboxStore } from './store/memory.ts';
import type { InboxStore } from './store/types.ts';

export interface AppDeps {
  readonly clock?: Clock;
  readonly timers?: Timers;
  readonly logger?: Logger;
  readonly core?: LoadedCore;
  readonly store?: InboxStore;
}

export interface App {
  readonly core: LoadedCore;
  readonly log: Logger;
  /** Binds config.host:config.port (port 0: a free one); resolves to the port. */
  listen(): Promise<number>;
  /** Graceful stop: refuse new connections, answer waiting readers, close everything. */
  close(): Promise<void>;
}

const SWEEP_EVERY_MS = 1000;

/** The composition root: builds every collaborator from the config and wires them. */
export function createApp(config: Config, deps: AppDeps = {}): App {
  const clock = deps.clock ?? systemClock;
  const timers = deps.timers ?? systemTimers;
  const log = deps.logger ?? createLogger(config.logLevel);
  const core = deps.core ?? loadUwsCore();
  const store = deps.store ?? new MemoryInboxStore({ ...config, clock });
  const onBackgroundError = (err: unknown) => log.error({ err }, 'background store call failed');
  const service = new InboxService({ store, timers, ...config, onBackgroundError });
  const metrics = new Metrics({
    inboxes: async () => (await store.stats()).inboxes,
    messages: async () => (await store.stats()).messages,
    longPolls: () => service.readerCount,
    websockets: () => 0,
  });
  const http = new HttpServer(core, log, metrics.observe);
  let accepting = true;

  registerServiceRoutes(http, store, metrics, () => accepting);
  registerInboxRoutes(http, { service, hasher: new CredentialHasher(), ...config });
  http.notFound();

  const sweeper = timers.setInterval(() => {
    store.sweep().catch(onBackgroundError);
  }, SWEEP_EVERY_MS);

  return {
    core,
    log,
    listen: () => http.listen(config.host, config.port),
    async close() {
      accepting = false;
      http.stopListening();
      timers.clearInterval(sweeper);
      service.shutdown();
      await store.close();
      // Let the answers just written leave before the sockets close.
      await new Promise((resolve) => setImmediate(resolve));
      http.closeAll();
    },
  };
}
