import type { Logger } from 'pino';
import { isError } from '../errors.ts';
import { isStoreError, storeFailureFields } from '../store/errors.ts';
import type { Reply } from '../http/reply.ts';
import type { Handler, RequestInfo } from '../http/server.ts';
import { DEFAULT_MAX_JSON_DEPTH, MAX_BODY_BYTES, isParsedType, parseBody } from './body.ts';
import type { LoopCors } from './cors.ts';
import { isLoopError, loopErrors } from './errors.ts';
import { Exchange, type Responder } from './exchange.ts';
import type { LoopRouter, Route } from './router.ts';

/** Headers the Loop layer reads; uWS only hands out the ones asked for. */
export const LOOP_HEADERS = ['authorization', 'host', 'content-type', 'accept', 'origin'];

/** Headers only some methods read: the preflight's, and GET /'s language (HEAD is served as GET). */
export const LOOP_METHOD_HEADERS: Readonly<Record<string, readonly string[]>> = {
  OPTIONS: ['access-control-request-headers'],
  GET: ['accept-language'],
  HEAD: ['accept-language'],
};

/**
 * Paths of signalbox's own surfaces: never redirected to /v1 (§2.1), so a
 * wrong method there gets a 404 rather than a 307.
 */
const OWN_PREFIXES = ['/inbox', '/__metrics__', '/turn-credentials', '/demo/', '/favicon.ico'];

export interface DispatchOptions {
  readonly router: LoopRouter;
  readonly cors: LoopCors;
  readonly responder: Responder;
  readonly log: Logger;
  /** `limits.jsonDepth`: deepest nesting of a JSON body. */
  readonly maxJsonDepth?: number;
}

/**
 * The catch-all uWS handler of the Loop surface: CORS preflight, routing
 * (§2.1), body reading (§2.2) and error containment; endpoints get an
 * Exchange with the parsed body.
 */
export function loopDispatcher(o: DispatchOptions): Handler {
  const { router, cors, responder, log } = o;
  const maxDepth = o.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH;
  return (req: RequestInfo, reply: Reply) => {
    const origin = req.headers.origin ?? '';
    if (req.method === 'OPTIONS' && cors.allows(origin)) {
      reply.send(204, cors.preflight(origin, req.headers['access-control-request-headers'] ?? ''));
      return;
    }
    reply.common = cors.headers(origin);
    const found = router.resolve(req.method, req.path);
    const ex = new Exchange(req, reply, responder, req.method === 'HEAD');
    if (found.kind !== 'endpoint') {
      if (found.kind === 'methods' && req.method === 'OPTIONS') return ex.text(200, found.allow, [['Allow', found.allow]]);
      if (found.prefixed || OWN_PREFIXES.some((p) => req.path.startsWith(p))) return ex.fail(loopErrors.resourceNotFound());
      reply.route = 'Loop redirect';
      return ex.text(307, `Temporary Redirect. Redirecting to /v1${req.path}`, [['Location', `/v1${req.path}`]]);
    }
    const route = found.endpoint;
    reply.route = route.label;
    ex.params = found.params;
    // uWS: the body must be subscribed to in this synchronous part of the handler. It is read with a
    // callback: an endpoint that answers at once (the memory stores) writes inside uWS's callback, uncorked.
    const contentType = req.headers['content-type'] ?? '';
    if (route.body && isParsedType(contentType)) {
      reply.receiveBody(MAX_BODY_BYTES, req.contentLength, (bytes) => {
        if (bytes === null) return; // the client went away
        if (isError(bytes)) return ex.fail(bytes.status === 413 ? loopErrors.tooLarge() : loopErrors.badJson());
        const parsed = parseBody(contentType, bytes, maxDepth);
        if (isLoopError(parsed)) return ex.fail(parsed);
        ex.body = parsed;
        run(ex, route, log);
      });
    } else {
      run(ex, route, log);
    }
  };
}

/**
 * Runs the endpoint: the one place an endpoint's exception becomes a Loop
 * response: a store failure is §13's 503 errno 201 (with Retry-After),
 * anything else a bug (500 errno 999, logged with its stack).
 */
function run(ex: Exchange, route: Route, log: Logger): void {
  let result: void | Promise<void>;
  try {
    result = route.handler(ex);
  } catch (err) {
    return failed(ex, log, err);
  }
  if (result) result.catch((err) => failed(ex, log, err));
}

function failed(ex: Exchange, log: Logger, err: unknown): void {
  const { req, reply } = ex;
  if (isStoreError(err)) log.warn({ ...storeFailureFields(err), method: req.method, path: req.path }, 'Loop storage unavailable');
  else log.error({ err, method: req.method, path: req.path }, 'Loop handler failed');
  if (!reply.finished) ex.fail(isStoreError(err) ? loopErrors.backend() : loopErrors.internal());
}
