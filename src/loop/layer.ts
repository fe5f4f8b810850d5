import type { Logger } from 'pino';
import type { AppError } from '../errors.ts';
import type { Reply } from '../http/reply.ts';
import type { Handler, RequestInfo } from '../http/server.ts';
import type { LoopContext } from './context.ts';
import { LoopCors } from './cors.ts';
import { LOOP_HEADERS, LOOP_METHOD_HEADERS, loopDispatcher } from './dispatch.ts';
import { loopErrors } from './errors.ts';
import { Exchange, Responder } from './exchange.ts';
import { LoopRouter } from './router.ts';
import type { CallUrls } from './call-urls/index.ts';
import type { Rooms } from './rooms/index.ts';
import { registerCallUrlRoutes } from './routes/call-url.ts';
import { registerCallRoutes } from './routes/calls.ts';
import { registerEventRoutes } from './routes/event.ts';
import { registerOAuthRoutes } from './routes/oauth.ts';
import { registerRegistrationRoutes } from './routes/registration.ts';
import { registerRoomRoutes } from './routes/rooms.ts';
import { registerServiceRoutes } from './routes/service.ts';

export interface LoopLayerDeps {
  /** The Loop's collaborators, built by the composition root (src/compose.ts). */
  readonly context: LoopContext;
  readonly rooms: Rooms;
  readonly callUrls: CallUrls;
  readonly log: Logger;
  /** Wall-clock ms since the epoch (Timestamp headers, unix-second fields). */
  readonly nowMs: () => number;
}

export interface LoopLayer {
  /** The catch-all uWS handler, and the headers it needs. */
  readonly handler: Handler;
  /** Writes a refusal of the client gate (429, 503) as a Loop error. */
  readonly refuse: (req: RequestInfo, reply: Reply, err: AppError) => void;
  readonly headers: readonly string[];
  /** Headers read only for some methods (RouteOptions.methodHeaders). */
  readonly methodHeaders: Readonly<Record<string, readonly string[]>>;
}

/** The Loop v1 REST surface (loop-v1.md §2–§11, §13–§15): registers its routes on collaborators built elsewhere. */
export function createLoopLayer(deps: LoopLayerDeps): LoopLayer {
  const { context, rooms, callUrls, log, nowMs } = deps;
  const { config } = context;

  const router = new LoopRouter();
  registerServiceRoutes(router, context);
  registerRegistrationRoutes(router, context);
  registerCallUrlRoutes(router, context, callUrls);
  registerCallRoutes(router, context);
  if (config.fxaOAuth.activated) registerOAuthRoutes(router, context);
  registerEventRoutes(router, context);
  registerRoomRoutes(router, context, rooms);

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
    methodHeaders: LOOP_METHOD_HEADERS,
  };
}
