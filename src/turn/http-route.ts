import { AppError, errors, isError } from '../errors.ts';
import { parseBasicAuth } from '../http/basic-auth.ts';
import { Cors } from '../http/cors.ts';
import type { HeaderList } from '../http/reply.ts';
import type { HttpServer, RequestInfo } from '../http/server.ts';
import type { CredentialHasher, Owner } from '../inbox/identity.ts';
import type { InboxService } from '../inbox/service.ts';
import { turnCredentials, type TurnSettings } from './credentials.ts';

export interface TurnRouteOptions {
  /** undefined: no TURN secret configured, the endpoint answers 404. */
  readonly turn: TurnSettings | undefined;
  /** The same hasher as the inbox routes, so the same password opens the same inbox. */
  readonly hasher: CredentialHasher;
  /** Checks the credentials (and creates the inbox, within the new-inbox limit) as for a POST. */
  readonly service: Pick<InboxService, 'authenticate'>;
  readonly corsOrigins: readonly string[];
  /** Wall-clock milliseconds (coturn checks expiry against its wall clock). Default Date.now. */
  readonly wallClockMs?: () => number;
}

const ALLOW = 'GET, OPTIONS';
const NO_STORE: HeaderList = [['Cache-Control', 'no-store']];

/**
 * The inbox owner's Basic credentials, checked exactly like a sender's on
 * POST /inbox: the inbox is created when absent (the caller now owns that
 * name), a wrong password is 401, and the inbox's idle TTL is not extended
 * (asking for TURN credentials is not reading messages).
 */
async function authenticate(req: RequestInfo, o: TurnRouteOptions): Promise<Owner | AppError> {
  const creds = parseBasicAuth(req.headers.authorization);
  if (typeof creds === 'string') return errors.missingCredentials(creds);
  const owner = o.hasher.owner(creds.username, creds.password);
  if (isError(owner)) return owner;
  const failed = await o.service.authenticate(owner, req);
  return failed ?? owner;
}

/** GET /turn-credentials: coturn REST-API credentials for an authenticated inbox owner. */
export function registerTurnRoute(http: HttpServer, o: TurnRouteOptions): void {
  const cors = new Cors({
    origins: o.corsOrigins,
    methods: ALLOW,
    allowHeaders: 'Authorization',
    exposeHeaders: 'Content-Type',
    maxAgeSec: 600,
  });
  const common = (req: RequestInfo): HeaderList => [...cors.headers(req.headers.origin ?? ''), ...NO_STORE];
  const origin = cors.requestHeaders;
  const now = o.wallClockMs ?? Date.now;
  const path = '/turn-credentials';

  http.route('get', path, 'GET /turn-credentials', { headers: ['authorization', ...origin], common }, async (req, reply) => {
    // Not configured: the endpoint does not exist (404 before any auth, so it reveals nothing).
    if (!o.turn) return void reply.error(errors.notFound());
    const owner = await authenticate(req, o);
    if (isError(owner)) return void reply.error(owner);
    reply.json(200, turnCredentials(o.turn, owner.name, now()));
  });

  http.route('options', path, 'OPTIONS /turn-credentials', { headers: origin }, (req, reply) => {
    reply.send(204, [...cors.preflight(req.headers.origin ?? ''), ...NO_STORE]);
  });

  http.route('any', path, 'other /turn-credentials', { headers: origin, common }, (_req, reply) => {
    reply.error(errors.methodNotAllowed(ALLOW));
  });
}
