import { AppError } from '../errors.ts';

/**
 * The errors only the WebSocket surface has, and the close codes that go
 * with them (4000 + the HTTP status, as inbox.md names them: 4400, 4401,
 * 4408, 4409). Errors shared with HTTP come from src/errors.ts.
 */
export const wsErrors = {
  malformed: (why: string) => new AppError(400, 'malformed_frame', `Malformed frame: ${why}.`),
  binaryFrame: () => new AppError(400, 'binary_frame', 'Frames are JSON text; binary frames are not accepted.'),
  authFirst: () => new AppError(401, 'auth_required', 'The first frame must be {"type":"auth","username":…,"password":…}.'),
  alreadyAuthenticated: () => new AppError(400, 'already_authenticated', 'This socket has already authenticated.'),
  authTimeout: (ms: number) => new AppError(408, 'auth_timeout', `No auth frame within ${ms / 1000} s.`),
  replaced: () => new AppError(409, 'replaced', 'A newer reader (WebSocket or GET) took over this inbox.'),
  inboxGone: () => new AppError(404, 'inbox_gone', 'This inbox was deleted.'),
  invalidData: (why: string) => new AppError(400, 'invalid_data', `Invalid data: ${why}.`),
  invalidContentType: () =>
    new AppError(400, 'invalid_content_type', 'contentType must be 1 to 255 printable ASCII characters.'),
  backpressure: () => new AppError(503, 'backpressure', 'The socket is not reading its frames.'),
} as const;

/** WebSocket close codes used by /inbox/ws. */
export const CLOSE = {
  normal: 1000,
  goingAway: 1001,
  policy: 1008,
  internal: 1011,
  tryAgainLater: 1013,
  malformed: 4400,
  unauthorized: 4401,
  gone: 4404,
  authTimeout: 4408,
  replaced: 4409,
  rateLimited: 4429,
} as const;

/** The close code for a failed auth: 4000 + status for 400/401/429, 1013 for overload (503), 1011 otherwise. */
export function authCloseCode(status: number): number {
  if (status === 400) return CLOSE.malformed;
  if (status === 401) return CLOSE.unauthorized;
  if (status === 429) return CLOSE.rateLimited;
  if (status === 503) return CLOSE.tryAgainLater;
  return CLOSE.internal;
}
