import type { Logger } from 'pino';
import type { Clock, TimerHandle, Timers } from '../clock.ts';
import type { AppError } from '../errors.ts';
import type { Reply } from '../http/reply.ts';
import type { Handler, RequestInfo } from '../http/server.ts';
import type { CreationLimits } from '../limits/index.ts';
import { OutboundClient } from '../net/outbound-http.ts';
import { OutboundPolicy } from '../net/outbound-policy.ts';
import type { Stores } from '../store/index.ts';
import type { LoopRoomStore } from '../store/rooms.ts';
import type { LoopStore } from '../store/loop.ts';
import type { LoopContext, LoopHealth } from './context.ts';
import { LoopCors } from './cors.ts';
import { LOOP_HEADERS, loopDispatcher } from './dispatch.ts';
import { loopErrors } from './errors.ts';
import { Exchange, Responder } from './exchange.ts';
import { createExternalServices, type ExternalServices } from './external/index.ts';
import { HawkAuth } from './hawk-auth.ts';
import { PublicUrls } from './public-urls.ts';
import { LoopRouter } from './router.ts';
import { registerCallUrlRoutes } from './routes/call-url.ts';
import { registerCallRoutes } from './routes/calls.ts';
import { registerEventRoutes } from './routes/event.ts';
import { registerOAuthRoutes } from './routes/oauth.ts';
import { registerRegistrationRoutes } from './routes/registration.ts';
import { registerRoomRoutes } from './routes/rooms.ts';
import { createRooms } from './rooms/index.ts';
import { registerServiceRoutes } from './routes/service.ts';
import { Sessions } from './sessions.ts';
import type { LoopConfig } from './settings.ts';

export interface LoopLayerDeps {
  readonly config: LoopConfig;
  readonly log: Logger;
  /** Monotonic clock for store lifetimes. */
  readonly clock: Clock;
  readonly timers: Timers;
  /** Wall-clock ms since the epoch (Timestamp headers, unix-second fields). Default Date.now. */
  readonly nowMs?: () => number;
  readonly health: LoopHealth;
  /** host:port the server is reached at until it reports the real one (PublicUrls.listeningOn). */
  readonly listening: string;
  /** The Loop's stores (built by createStores: the layer never constructs one). */
  readonly stores: Pick<Stores, 'loop' | 'rooms' | 'callState'>;
  /** Replaces some or all of the external services (tests). */
  readonly services?: Partial<ExternalServices>;
  /** OUTBOUND_ALLOW, already validated: destinations reachable although private. Default none. */
  readonly outboundAllow?: readonly string[];
  /** Per-client limits on anonymous registrations and rooms created (default: none). */
  readonly limits?: Pick<CreationLimits, 'registrations' | 'rooms'>;
}

export interface LoopLayer {
  /** The catch-all uWS handler, and the headers it needs. */
  readonly handler: Handler;
  /** Writes a refusal of the client gate (429, 503) as a Loop error. */
  readonly refuse: (req: RequestInfo, reply: Reply, err: AppError) => void;
  readonly headers: readonly string[];
  /** Where the rooms endpoints (§8) register. */
  readonly router: LoopRouter;
  readonly context: LoopContext;
  /** Stops the sweeper, waits for push wake-ups in flight, closes the store. */
  stop(): Promise<void>;
}


/** Builds the Loop v1 layer (loop-v1.md §2–§7, §9–§11, §13–§15). */
export function createLoopLayer(deps: LoopLayerDeps): LoopLayer {
  const { config, log, clock, timers, health } = deps;
  const nowMs = deps.nowMs ?? Date.now;
  const { loop: store, rooms: roomStore, callState } = deps.stores;
  const outbound = new OutboundClient({ policy: OutboundPolicy.fromList(deps.outboundAllow ?? []), log });
  const built = deps.services && isComplete(deps.services)
    ? deps.services
    : createExternalServices(config.external, log, { timers, nowMs, outbound });
  const services: ExternalServices = { ...built, ...deps.services };
  const sessionTtlMs = config.hawkSessionDuration * 1000;
  const sessions = new Sessions({ store, hawkIdSecret: config.hawkIdSecret, userMacSecret: config.userMacSecret, sessionTtlMs });
  const hawk = new HawkAuth({ store, sessionTtlMs, protocol: config.protocol, ...config.hawk, log, nowMs });
  const urls = new PublicUrls(config, deps.listening);
  const limits = deps.limits ?? { registrations: null, rooms: null };
  const context: LoopContext = { config, urls, store, roomStore, callState, sessions, hawk, services, outbound, health, log, limits };
  const notifyOwner = async (ownerKey: string, version: number) => {
    const urls = await store.pushUrls(ownerKey, 'rooms').catch((err) => (log.warn({ err }, 'rooms push lookup failed'), []));
    if (urls.length > 0) services.push.notify(urls, version);
  };
  const rooms = createRooms({
    store: roomStore, settings: config.rooms, provider: services.provider, tokenDurationSec: config.external.tokBox.tokenDurationSec,
    notifyOwner, userMac: (v) => sessions.userMac(v), roomUrl: (token) => urls.roomUrl(token), nowMs, log, limits: config.limits,
  }, timers);

  const router = new LoopRouter();
  registerServiceRoutes(router, context);
  registerRegistrationRoutes(router, context);
  registerCallUrlRoutes(router, context, nowMs);
  registerCallRoutes(router, context);
  if (config.fxaOAuth.activated) registerOAuthRoutes(router, context);
  registerEventRoutes(router, context);
  registerRoomRoutes(router, context, rooms);
  rooms.expiry.start();

  const responder = new Responder(nowMs, config.retryAfter);
  const cors = new LoopCors(config.allowedOrigins);
  const handler = loopDispatcher({ router, cors, responder, log, maxJsonDepth: config.limits.jsonDepth });

  return {
    handler,
    refuse: (req, reply, err) => {
      const origin = req.headers.origin ?? '';
      reply.common = cors.headers(origin);
      new Exchange(req, reply, responder, req.method === 'HEAD').fail(loopErrors.fromRefusal(err));
    },
    headers: LOOP_HEADERS,
    router,
    context,
    /** Stops the domain jobs and waits for push wake-ups in flight (the app closes the stores). */
    async stop() {
      rooms.expiry.stop();
      await services.push.idle();
      outbound.close();
    },
  };
}

function isComplete(s: Partial<ExternalServices>): s is ExternalServices {
  return Boolean(s.provider && s.push && s.browserId && s.fxa);
}
