import { AppError, errors, isError } from '../errors.ts';
import { Cors } from '../http/cors.ts';
import type { HeaderList } from '../http/reply.ts';
import type { Reply } from '../http/reply.ts';
import type { HttpServer, RequestInfo } from '../http/server.ts';
import { isAsync, type MaybeAsync } from '../store/maybe-async.ts';
import type { CredentialHasher, Owner } from './identity.ts';
import { LongPollReader } from './long-poll.ts';
import type { InboxService } from './service.ts';
import { nameParam, requestedWaitMs } from './wait.ts';

export interface InboxRoutesOptions {
  readonly service: InboxService;
  readonly hasher: CredentialHasher;
  readonly corsOrigins: readonly string[];
  readonly maxMessageBytes: number;
}

const ALLOW = 'GET, POST, DELETE, OPTIONS';
const NO_STORE: HeaderList = [['Cache-Control', 'no-store']];
const DEFAULT_TYPE = 'application/octet-stream';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * uWS hands header values over one char per byte (latin1) and writes strings
 * back as UTF-8, so a non-ASCII Content-Type would come out double-encoded.
 * Decoding valid UTF-8 here makes the echoed header byte-exact.
 */
function headerText(raw: string): string {
  if (!/[^\x00-\x7f]/.test(raw)) return raw;
  try {
    return utf8.decode(Buffer.from(raw, 'latin1'));
  } catch {
    return raw;
  }
}

/** Content types seen, each kept once (at most COMMON_TYPES of them). */
const seenTypes = new Map<string, string>();
const COMMON_TYPES = 64;

/**
 * The one copy of a content type seen before: a queued message then holds a
 * string every other message of that type shares, instead of its own copy of
 * the header (less for the young-generation GC to copy while messages wait).
 */
function commonType(type: string): string {
  const known = seenTypes.get(type);
  if (known !== undefined) return known;
  if (seenTypes.size < COMMON_TYPES && type.length <= 128) seenTypes.set(type, type);
  return type;
}

/** Reads the Basic credentials of a request into a validated Owner. */
function ownerOf(req: RequestInfo, hasher: CredentialHasher): Owner | AppError {
  return hasher.ownerOfBasic(req.headers.authorization);
}

/**
 * Writes a service outcome: the error, or `ok` when there is none. At once
 * when the service answered at once (the memory store), so the response goes
 * out inside the uWS callback; otherwise the returned promise settles it.
 */
function answer(reply: Reply, outcome: MaybeAsync<AppError | undefined>, ok?: (reply: Reply) => void): Promise<void> | undefined {
  if (isAsync(outcome)) return outcome.then((failed) => settle(reply, failed, ok));
  settle(reply, outcome, ok);
  return undefined;
}

function settle(reply: Reply, failed: AppError | undefined, ok: ((reply: Reply) => void) | undefined): void {
  if (failed) reply.error(failed);
  else ok?.(reply);
}

const noContent = (reply: Reply): void => void reply.send(204, []);

/** The inbox protocol over HTTP: translates requests to InboxService calls and outcomes to responses. */
export function registerInboxRoutes(http: HttpServer, o: InboxRoutesOptions): void {
  const cors = new Cors({
    origins: o.corsOrigins,
    methods: ALLOW,
    allowHeaders: 'Authorization, Content-Type, Prefer',
    exposeHeaders: 'X-From',
    maxAgeSec: 600,
    extra: NO_STORE,
  });
  const common = (req: RequestInfo): HeaderList => cors.headers(req.headers.origin ?? '');
  const origin = cors.requestHeaders;
  const { service, hasher } = o;

  http.route('get', '/inbox', 'GET /inbox', { headers: ['authorization', 'prefer', ...origin], noBody: true, common }, (req, reply) => {
    const owner = ownerOf(req, hasher);
    if (isError(owner)) return void reply.error(owner);
    const asked = requestedWaitMs(req.query, req.headers.prefer);
    if (asked === 'invalid') return void reply.error(errors.invalidWait());
    const waitMs = service.effectiveWait(asked);
    if (waitMs > 0) reply.route = 'GET /inbox (wait)';
    const reader = new LongPollReader(reply);
    const outcome = service.read(owner, reader, waitMs, req);
    // Only a read still open needs to learn of the client going away (no abort can come before this returns):
    // one answered at once, as an empty or full inbox is by the memory store, makes no listener.
    if (!reply.finished) reply.onAbort(() => service.release(owner.name, reader));
    return answer(reply, outcome);
  });

  http.route('post', '/inbox', 'POST /inbox', { headers: ['authorization', 'content-type', ...origin], common }, (req, reply) => {
    const owner = ownerOf(req, hasher);
    if (isError(owner)) return void reply.error(owner);
    const to = nameParam(req.query, 'to');
    if (to === null) return void reply.error(errors.invalidRecipient('the query has no to='));
    if (to === false) return void reply.error(errors.invalidRecipient('it is not valid percent-encoding'));
    const contentType = commonType(headerText(req.headers['content-type']) || DEFAULT_TYPE);
    reply.receiveBody(o.maxMessageBytes, req.contentLength, (body) => {
      if (body === null) return; // the client went away mid-body: nothing was accepted
      if (isError(body)) return void reply.error(body);
      answer(reply, service.send(owner, to, contentType, body, req), noContent)?.catch((err) => reply.fail(err));
    });
  });

  http.route('del', '/inbox', 'DELETE /inbox', { headers: ['authorization', ...origin], noBody: true, common }, (req, reply) => {
    const owner = ownerOf(req, hasher);
    if (isError(owner)) return void reply.error(owner);
    return answer(reply, service.remove(owner), noContent);
  });

  http.route('options', '/inbox', 'OPTIONS /inbox', { headers: origin, noBody: true }, (req, reply) => {
    reply.send(204, cors.preflight(req.headers.origin ?? ''));
  });

  http.route('any', '/inbox', 'other /inbox', { headers: origin, common }, (_req, reply) => {
    reply.error(errors.methodNotAllowed(ALLOW));
  });
}
