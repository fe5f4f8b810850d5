import type { Logger } from 'pino';
import { systemClock, systemTimers, type Clock, type Timers } from './clock.ts';
import type { Config } from './config.ts';
import { HttpServer } from './http/server.ts';
import { loadUwsCore, type LoadedCore } from './http/uws.ts';
import { registerInboxRoutes } from './inbox/http-routes.ts';
import { CredentialHasher } from './inbox/identity.ts';
import { inboxCredentialKey } from './crypto/shared-secret.ts';
import { InboxService } from './inbox/service.ts';
import { registerInboxWebSocket, WS_DEFAULTS, type InboxWsTunables } from './inbox/ws-routes.ts';
import { createClientLimits, type ClientLimits } from './limits/index.ts';
import { createLogger } from './logger.ts';
import type { ExternalServices } from './loop/external/index.ts';
import { composeLoop, storeSettings } from './compose.ts';
import { loopDurations } from './loop/durations.ts';
import { createLoopLayer } from './loop/layer.ts';
import { hostForClients } from './http/listening.ts';
import { registerProgressWebSocket } from './loop/progress/websocket.ts';
import { Metrics, type MetricsOptions } from './metrics.ts';
import { registerServiceRoutes } from './service-routes.ts';
import { bundleForBrowser } from './static/bundle.ts';
import { DEMO_DIR, StaticFiles } from './static/files.ts';
import { registerStaticRoutes } from './static/http-routes.ts';
import { closeStores, createStores, type Stores } from './store/index.ts';
import type { RedisBackend } from './store/redis/index.ts';
import { isStoreError, storeFailureFields } from './store/errors.ts';
import type { TurnSettings } from './turn/credentials.ts';
import { registerTurnRoute } from './turn/http-route.ts';

/** A METRICS_PORT in use: with REUSE_PORT, most likely a sibling process given the same one. */
const METRICS_IN_USE = 'each signalbox process needs a METRICS_PORT of its own, REUSE_PORT or not';

export interface AppDeps {
  readonly clock?: Clock;
  readonly timers?: Timers;
  readonly logger?: Logger;
  readonly core?: LoadedCore;
  /** Stores instead of the ones createStores builds from the config (tests: failing or shared stores). */
  readonly stores?: Partial<Stores>;
  /** With STORE=redis: the deployment's Redis, connected (the caller connects and closes it). */
  readonly redis?: RedisBackend;
  /** Request bodies reach their handlers a turn later (Reply.bodyNextTurn); default: with `redis`. Tests giving Redis stores set it. */
  readonly bodiesNextTurn?: boolean;
  /** TURN settings instead of config.turn; null turns TURN off. */
  readonly turn?: TurnSettings | null;
  /** /inbox/ws tunables (auth timeout, idle timeout, backpressure); defaults in WS_DEFAULTS. */
  readonly inboxWs?: Partial<InboxWsTunables>;
  /** Loop layer: some or all of its external services, and the wall clock (ms since the epoch). */
  readonly loopServices?: Partial<ExternalServices>;
  readonly nowMs?: () => number;
  /** /__metrics__ cache: its age limit and clock (default: 1 s of real time). */
  readonly metrics?: Pick<MetricsOptions, 'maxAgeMs' | 'clock'>;
  /** Per-client limits instead of the ones built from the config (tests). */
  readonly limits?: ClientLimits;
}

export interface AppUrls {
  readonly api: string;
  readonly inboxWebSocket: string;
  readonly loopWebSocket: string;
  readonly demo: string;
  readonly metrics: string;
}

export interface App {
  readonly core: LoadedCore;
  readonly log: Logger;
  /** The per-client limits and connection caps in force (printed at start-up). */
  readonly limits: ClientLimits;
  readonly metrics: Metrics;
  /**
   * Binds config.host:config.port (port 0: a free one), and the metrics
   * listener when config.metricsPort is set; resolves to the main port.
   * Rejects with a ListenError that says why.
   */
  listen(): Promise<number>;
  /** The metrics listener's port once listening (undefined: /__metrics__ is on the main port). */
  readonly metricsPort: number | undefined;
  /** The URLs a client on this machine uses, once listening. */
  urls(): AppUrls;
  /** Graceful stop: refuse new connections, answer waiting readers, close everything. */
  close(): Promise<void>;
}


/** The composition root: builds every collaborator from the config and wires them. */
export function createApp(config: Config, deps: AppDeps = {}): App {
  const clock = deps.clock ?? systemClock;
  const timers = deps.timers ?? systemTimers;
  const log = deps.logger ?? createLogger(config.logLevel);
  const core = deps.core ?? loadUwsCore();
  const durations = loopDurations(config.loop);
  const metrics = new Metrics({
    storeStats: async () => store.stats(),
    storageUp: async () => (await Promise.all([store.ping(), stores.loop.ping()]).catch(() => [false])).every(Boolean),
    longPolls: () => service.readerCount,
    websockets: () => inboxWs.count + progressWs.count,
  }, { maxQueuedBytes: config.maxQueuedBytes, ...deps.metrics });
  const onBackgroundError = (err: unknown) => {
    metrics.storeError();
    if (isStoreError(err)) log.warn(storeFailureFields(err), 'background store call: storage unavailable');
    else log.error({ err }, 'background store call failed');
  };
  const stores = createStores(storeSettings(config, durations), clock, timers, deps.stores, { redis: deps.redis, onBackgroundError });
  const store = stores.inbox;
  const now = () => clock.now();
  const limits = deps.limits ?? createClientLimits(config, now, undefined, deps.redis?.connection);
  const { gate, creation } = limits;
  // A socket's claim is renewed within the liveness interval, so a dead node's socket keeps an inbox at most INBOX_TTL + WS_IDLE_TIMEOUT.
  const socketLeaseMs = Math.min(30_000, config.wsIdleTimeoutSec * 1000);
  const service = new InboxService({ store, timers, ...config, socketLeaseMs, onBackgroundError, newInboxes: creation.newInboxes });
  // On Redis a body's write is made a turn later, when uWS has said whether the client is still there.
  const http = new HttpServer(core, log, metrics.observe, { gate, accessLog: config.accessLog, bodiesNextTurn: deps.bodiesNextTurn ?? deps.redis !== undefined });
  const wsLimits = { framesPerSec: limits.wsFramesPerSec, now };
  const clientHost = hostForClients(config.host);
  let port = config.port;
  let accepting = true;

  // With METRICS_PORT, /__metrics__ lives on its own listener only; the main
  // port then answers it 404 (the Loop catch-all never redirects it).
  const metricsHttp = config.metricsPort === undefined ? null : new HttpServer(core, log, metrics.observe);
  if (metricsHttp) registerServiceRoutes(metricsHttp, metrics).notFound();
  else registerServiceRoutes(http, metrics);
  let metricsPort: number | undefined;
  // With SHARED_SECRET every node hashes a password alike; without it the key is random per process.
  const hasher = new CredentialHasher(config.sharedSecret === undefined ? undefined : inboxCredentialKey(config.sharedSecret));
  registerInboxRoutes(http, { service, hasher, ...config });
  const inboxWs = registerInboxWebSocket(http, {
    ...WS_DEFAULTS,
    authTimeoutMs: config.wsAuthTimeoutMs, idleTimeoutSec: config.wsIdleTimeoutSec, highWaterBytes: config.wsHighWaterBytes,
    ...deps.inboxWs, service, hasher, timers, log, maxMessageBytes: config.maxMessageBytes, ...wsLimits,
  });
  const turn = deps.turn === undefined ? config.turn : (deps.turn ?? undefined);
  registerTurnRoute(http, { turn, hasher, service, corsOrigins: config.corsOrigins });
  registerStaticRoutes(http, new StaticFiles({ dir: DEMO_DIR, bundle: bundleForBrowser }), log);
  const loopParts = composeLoop({
    config: config.loop, durations, log, timers, nowMs: deps.nowMs ?? Date.now, stores, services: deps.loopServices,
    outboundAllow: config.outboundAllow, onBackgroundError,
    health: { inboxStorePing: async () => store.ping(), accepting: () => accepting }, listening: `${clientHost}:${port}`, limits: creation,
  });
  // The Loop v1 layer is the catch-all: uWS matches the explicit routes above first.
  const loop = createLoopLayer({ context: loopParts.context, rooms: loopParts.rooms, callUrls: loopParts.callUrls, log, nowMs: deps.nowMs ?? Date.now });
  loopParts.start();
  // The Loop call-progress WebSocket (§12), before the catch-all. This node
  // renews its sockets' leases and polls for due call timers and lapsed
  // sockets of every node (a dead node's included).
  const progressWs = registerProgressWebSocket(http, {
    path: config.loop.progressURLEndpoint, store: stores.callState, timers, log, presence: loopParts.presence,
    timings: durations.progressTimings, helloTimeoutMs: durations.progressHelloTimeoutMs, maxJsonDepth: config.loop.limits.jsonDepth, ...wsLimits,
  });
  http.route('any', '/*', 'Loop', { headers: loop.headers, methodHeaders: loop.methodHeaders, refuse: loop.refuse }, loop.handler);

  return {
    core,
    log,
    limits,
    metrics,
    async listen() {
      port = await http.listen(config.host, config.port, config.reusePort);
      loopParts.context.urls.listeningOn(`${clientHost}:${port}`);
      if (metricsHttp) {
        try {
          // Never shared, even with REUSE_PORT: a scrape must reach the process whose figures it wants.
          metricsPort = await metricsHttp.listen(config.metricsHost, config.metricsPort!, false, METRICS_IN_USE);
        } catch (err) {
          http.stopListening();
          throw err;
        }
      }
      return port;
    },
    get metricsPort() {
      return metricsPort;
    },
    urls() {
      const base = `${clientHost}:${port}`;
      const metricsBase = metricsPort === undefined ? base : `${hostForClients(config.metricsHost)}:${metricsPort}`;
      return {
        api: `http://${base}/`, inboxWebSocket: `ws://${base}/inbox/ws`, loopWebSocket: `ws://${base}${config.loop.progressURLEndpoint}`,
        demo: `http://${base}/demo/`, metrics: `http://${metricsBase}/__metrics__`,
      };
    },
    async close() {
      accepting = false;
      http.stopListening();
      metricsHttp?.stopListening();
      service.shutdown();
      progressWs.closeAll(); // 1001 "going away"; before the call-state store closes
      await loopParts.stop();
      inboxWs.closeAll(); // 1001 "going away", also for sockets not yet authenticated
      await closeStores(stores, deps.stores); // stores given by the caller (shared ones) are the caller's to close
      // Let the answers just written leave before the sockets close.
      await new Promise((resolve) => setImmediate(resolve));
      http.closeAll();
      metricsHttp?.closeAll();
    },
  };
}
