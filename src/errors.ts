/**
 * Errors are values: each has an HTTP status, a stable machine code and a
 * human sentence. Domain code returns them; only the edges (HTTP, WebSocket)
 * turn them into bytes on the wire.
 */
export class AppError {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly message: string,
    readonly headers: readonly (readonly [string, string])[] = [],
  ) {}

  /** The JSON body every inbox error carries. */
  toJSON(): { code: number; error: string; message: string } {
    return { code: this.status, error: this.code, message: this.message };
  }
}

export const isError = (v: unknown): v is AppError => v instanceof AppError;

const BASIC_CHALLENGE = [['WWW-Authenticate', 'Basic realm="inbox", charset="UTF-8"']] as const;
/**
 * Retry-After is not a header browsers let a page of another origin read
 * unless it is exposed, and clients (ours included) back off by it: a second
 * Access-Control-Expose-Headers line names it (browsers join the lines), so
 * that the answers without it keep exposing X-From alone.
 */
const EXPOSE_RETRY = ['Access-Control-Expose-Headers', 'Retry-After'] as const;
const RETRY_SOON = [['Retry-After', '1'], EXPOSE_RETRY] as const;
const retryIn = (sec: number) => [['Retry-After', String(sec)], EXPOSE_RETRY] as const;

/** The closed table of error codes of the inbox surface and the HTTP layer. */
export const errors = {
  missingCredentials: (why: string) =>
    new AppError(401, 'missing_credentials', `Send HTTP Basic credentials: ${why}.`, BASIC_CHALLENGE),
  wrongPassword: () =>
    new AppError(401, 'wrong_password', 'This inbox exists with another password.', BASIC_CHALLENGE),
  invalidUsername: (why: string) => new AppError(400, 'invalid_username', `Invalid username: ${why}.`),
  invalidPassword: (why: string) => new AppError(400, 'invalid_password', `Invalid password: ${why}.`),
  invalidRecipient: (why: string) => new AppError(400, 'invalid_recipient', `Invalid recipient (to=): ${why}.`),
  invalidWait: () =>
    new AppError(400, 'invalid_wait', 'wait must be a whole number of seconds, 0 or more.'),
  emptyBody: () => new AppError(400, 'empty_body', 'A message needs a body.'),
  bodyIncomplete: () => new AppError(400, 'body_incomplete', 'The request body ended before its announced length.'),
  messageTooLarge: (limit: number) =>
    new AppError(413, 'message_too_large', `A message may be at most ${limit} bytes.`),
  noSuchInbox: (name: string) =>
    new AppError(404, 'no_such_inbox', `There is no inbox named ${JSON.stringify(name)} (it may have expired).`),
  inboxFull: (capacity: number) =>
    new AppError(503, 'inbox_full', `The recipient's inbox already holds ${capacity} messages; retry later.`, RETRY_SOON),
  queueBudgetFull: () =>
    new AppError(503, 'queue_budget_full', 'This server holds as many queued message bytes as it may; retry later.', RETRY_SOON),
  tooManyInboxes: () =>
    new AppError(503, 'too_many_inboxes', 'This server holds as many inboxes as it may; retry later.', RETRY_SOON),
  notFound: () => new AppError(404, 'not_found', 'No such endpoint.'),
  methodNotAllowed: (allow: string) =>
    new AppError(405, 'method_not_allowed', `Allowed methods: ${allow}.`, [['Allow', allow]]),
  shuttingDown: () => new AppError(503, 'shutting_down', 'The server is stopping; retry on another node.', RETRY_SOON),
  storageUnavailable: () =>
    new AppError(503, 'storage_unavailable', 'The storage backend did not answer; retry later.', RETRY_SOON),
  internal: () => new AppError(500, 'internal_error', 'Something went wrong on the server.'),
  rateLimited: (retryAfterSec: number) =>
    new AppError(429, 'rate_limited', `Too many requests from your address; retry in ${retryAfterSec} s.`, retryIn(retryAfterSec)),
  tooManyConnections: () =>
    new AppError(429, 'too_many_connections', 'Your address has as many connections open as it may; retry later.', RETRY_SOON),
  serverBusy: () =>
    new AppError(503, 'server_busy', 'This server has as many connections open as it may; retry later.', RETRY_SOON),
} as const;
