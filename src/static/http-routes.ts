import type { Logger } from 'pino';
import { AppError, errors } from '../errors.ts';
import type { HeaderList } from '../http/reply.ts';
import type { Handler, HttpServer } from '../http/server.ts';
import type { StaticFiles } from './files.ts';

const PREFIX = '/demo';
const FAVICON = '/favicon.ico';
const ALLOW = 'GET';

/** Revalidate every time (cheap with the ETag): the files change whenever the server is redeployed. */
const COMMON: HeaderList = [
  ['Cache-Control', 'no-cache'],
  ['X-Content-Type-Options', 'nosniff'],
];
/** The demo talks only to its own origin (HTTP and WebSocket). */
const HTML_ONLY: HeaderList = [
  ['Content-Security-Policy', "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; base-uri 'none'; form-action 'none'"],
  ['X-Frame-Options', 'DENY'],
];

const demoUnavailable = () =>
  new AppError(503, 'demo_unavailable', 'The demo page could not be built on this server; see its log.', [['Retry-After', '5']]);

/**
 * Serves the demo under /demo/ (and its icon as /favicon.ico) from the fixed table of StaticFiles. Unknown
 * paths under the prefix are a JSON 404 (never handed to the Loop layer's
 * redirect), `/demo` redirects to `/demo/` so relative links resolve.
 */
export function registerStaticRoutes(http: HttpServer, files: StaticFiles, log: Logger): void {
  http.route('get', PREFIX, 'GET /demo', {}, (req, reply) => {
    const location = `${PREFIX}/${req.query === '' ? '' : `?${req.query}`}`;
    // An explicit empty body, so the response carries Content-Length: 0 (endWithoutBody would send none).
    reply.send(301, [['Location', location], ...COMMON], '');
  });

  const serveFile: Handler = async (req, reply) => {
    if (!files.has(req.path)) return void reply.error(errors.notFound());
    let asset;
    try {
      asset = await files.get(req.path);
    } catch (err) {
      log.error({ err }, 'cannot load or bundle the demo files');
      return void reply.error(demoUnavailable());
    }
    if (!asset) return void reply.error(errors.notFound());
    const headers: HeaderList = [['ETag', asset.etag], ...COMMON];
    if (etagMatches(req.headers['if-none-match'], asset.etag)) return void reply.send(304, headers);
    const extra = asset.contentType.startsWith('text/html') ? HTML_ONLY : [];
    reply.send(200, [['Content-Type', asset.contentType], ...headers, ...extra], asset.body);
  };
  http.route('get', `${PREFIX}/*`, 'GET /demo/*', { headers: ['if-none-match'] }, serveFile);
  // Browsers ask for it on every site; without this route the Loop catch-all would redirect it to /v1/.
  http.route('get', FAVICON, 'GET /favicon.ico', { headers: ['if-none-match'] }, serveFile);

  for (const pattern of [PREFIX, `${PREFIX}/*`, FAVICON]) {
    http.route('any', pattern, 'other /demo', {}, (_req, reply) => void reply.error(errors.methodNotAllowed(ALLOW)));
  }
}

/** If-None-Match: a list of entity tags or `*` (RFC 9110 §13.1.2; weak comparison). */
function etagMatches(header: string, etag: string): boolean {
  if (header === '') return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}
