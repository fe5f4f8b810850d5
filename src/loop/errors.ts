import type { AppError } from '../errors.ts';
import type { HeaderList } from '../http/reply.ts';

/** The closed errno table of loop-v1.md §13, plus 429 for per-client limits. */
export const ERRNO = {
  INVALID_TOKEN: 105,
  BADJSON: 106,
  INVALID_PARAMETERS: 107,
  MISSING_PARAMETERS: 108,
  INVALID_AUTH_TOKEN: 110,
  EXPIRED: 111,
  REQUEST_TOO_LARGE: 113,
  INVALID_OAUTH_STATE: 114,
  CLIENT_REACHED_CAPACITY: 121,
  USER_UNAVAILABLE: 122,
  BACKEND: 201,
  ROOM_FULL: 202,
  NOT_ROOM_PARTICIPANT: 203,
  NO_LONGER_SUPPORTED: 204,
  /** Ours (the §13 table has no rate-limit errno): a per-client limit was exceeded (429). */
  TOO_MANY_REQUESTS: 429,
  UNDEFINED: 999,
} as const;

export type Errno = (typeof ERRNO)[keyof typeof ERRNO];

/**
 * A Loop error as a value: the edge writes it as `{code, errno, error}`.
 * `error` is a string except for Hawk failures, where the original passed the
 * Hawk library's error object through (§3.7 quirk, reproduced).
 */
export class LoopError {
  constructor(
    readonly status: number,
    readonly errno: Errno,
    readonly error: string | Record<string, unknown>,
    readonly headers: HeaderList = [],
  ) {}

  toJSON(): { code: number; errno: number; error: unknown } {
    return { code: this.status, errno: this.errno, error: this.error };
  }
}

export const isLoopError = (v: unknown): v is LoopError => v instanceof LoopError;

const wwwAuth = (value: string): HeaderList => [['WWW-Authenticate', value]];

/** Every error the Loop surface writes, with its exact status, errno and message. */
export const loopErrors = {
  tokenNotFound: () => new LoopError(404, ERRNO.INVALID_TOKEN, 'Token not found.'),
  callUrlNotOwned: () => new LoopError(404, ERRNO.INVALID_TOKEN, 'Not Found.'),
  notAcceptable: () => new LoopError(406, ERRNO.BADJSON, 'Request body should be defined as application/json'),
  badJson: () => new LoopError(400, ERRNO.BADJSON, 'Invalid JSON'),
  tooLarge: () => new LoopError(413, ERRNO.REQUEST_TOO_LARGE, 'Request Entity Too Large'),
  invalid: (message: string) => new LoopError(400, ERRNO.INVALID_PARAMETERS, message),
  /** Ours: a JSON body nested deeper than `limits.jsonDepth`. */
  tooDeep: (max: number) => new LoopError(400, ERRNO.INVALID_PARAMETERS, `Request body should not be nested more than ${max} levels deep`),
  /** Ours: a per-user quota (`limits.roomsPerOwner`, `limits.callUrlsPerUser`) is used up; nothing is evicted to make room. */
  quota: (message: string) => new LoopError(403, ERRNO.UNDEFINED, message),
  /** `names` in declaration order; a group of alternatives is pre-joined with a bare comma. */
  missing: (names: readonly string[]) => new LoopError(400, ERRNO.MISSING_PARAMETERS, `Missing: ${names.join(', ')}`),
  unsupportedScheme: (offered: string) =>
    new LoopError(401, ERRNO.INVALID_AUTH_TOKEN, 'Unsupported', wwwAuth(`${offered} error="Unsupported"`)),
  hawkMissing: () =>
    new LoopError(401, ERRNO.INVALID_AUTH_TOKEN, { statusCode: 401, error: 'Unauthorized' }, wwwAuth('Hawk')),
  hawkFailure: (status: number, payload: Record<string, unknown>, www: string | undefined) =>
    new LoopError(status, ERRNO.INVALID_AUTH_TOKEN, payload, www ? wwwAuth(www) : []),
  /** The shape the hawk library gives an unknown id, built here for OAuth-only endpoints (§3.11). */
  unknownCredentials: () =>
    new LoopError(
      401,
      ERRNO.INVALID_AUTH_TOKEN,
      { statusCode: 401, error: 'Unauthorized', message: 'Unknown credentials', attributes: { error: 'Unknown credentials' } },
      wwwAuth('Hawk error="Unknown credentials"'),
    ),
  authFailure: (status: number, message: string, www?: string) =>
    new LoopError(status, ERRNO.INVALID_AUTH_TOKEN, message, www ? wwwAuth(www) : []),
  registeredOnly: () =>
    new LoopError(403, ERRNO.INVALID_AUTH_TOKEN, 'You should be a registered user to perform this action.'),
  forbidden: () => new LoopError(403, ERRNO.INVALID_AUTH_TOKEN, 'Forbidden'),
  invalidOAuthState: () => new LoopError(400, ERRNO.INVALID_OAUTH_STATE, 'Invalid OAuth state'),
  userUnavailable: () => new LoopError(400, ERRNO.USER_UNAVAILABLE, 'Could not find any existing user to call'),
  /** Store or provider failure. */
  backend: () => new LoopError(503, ERRNO.BACKEND, 'Service Unavailable'),
  /** Store failure during the Hawk id lookup (the original's lower-case spelling). */
  storeDuringAuth: () => new LoopError(503, ERRNO.BACKEND, 'Service unavailable'),
  /** Ours: the Hawk nonce store is full; nonces are never forgotten early, so signed requests wait (Retry-After). */
  noncesFull: () => new LoopError(503, ERRNO.BACKEND, 'Service unavailable'),
  noLongerSupported: () => new LoopError(405, ERRNO.NO_LONGER_SUPPORTED, 'No longer supported'),
  resourceNotFound: () => new LoopError(404, ERRNO.UNDEFINED, 'Resource not found.'),
  analyticsOff: () =>
    new LoopError(405, ERRNO.UNDEFINED, 'Google Analytics events are not configured for this server.'),
  internal: () => new LoopError(500, ERRNO.UNDEFINED, 'Internal Server Error'),
  /** Over a per-client limit: 429 errno 429, `Retry-After` the seconds to wait. */
  rateLimited: (retryAfterSec: number) =>
    new LoopError(429, ERRNO.TOO_MANY_REQUESTS, 'Too Many Requests', [['Retry-After', String(retryAfterSec)]]),
  /**
   * A refusal of the client gate (src/errors.ts rate_limited, too_many_connections,
   * server_busy) in Loop's shape: 429 errno 429, or the usual 503 errno 201.
   */
  fromRefusal: (err: AppError) =>
    err.status === 429
      ? new LoopError(429, ERRNO.TOO_MANY_REQUESTS, err.code === 'rate_limited' ? 'Too Many Requests' : 'Too Many Connections', err.headers)
      : new LoopError(503, ERRNO.BACKEND, 'Service Unavailable', err.headers),
} as const;
