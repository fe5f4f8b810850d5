/**
 * An error of the inbox server, mirroring its statuses: `status` is the HTTP
 * status (or the WebSocket's 4xxx close code minus 4000), `code` the server's
 * stable error string (`wrong_password`, `no_such_inbox`, `inbox_full`, …).
 * status 0: the server could not be reached (`network_error`).
 */
export class InboxError extends Error {
  override readonly name = 'InboxError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds the server asked to wait before retrying (503), if it said. */
    readonly retryAfterSec?: number,
  ) {
    super(message);
  }

  /** true when retrying cannot help (bad credentials, bad input, replaced by another reader). */
  get fatal(): boolean {
    return this.status === 400 || this.status === 401 || this.status === 403 || this.status === 404 || this.status === 409;
  }

  /** Reads the server's JSON error body `{code, error, message}` from a failed response. */
  static async fromResponse(res: Response): Promise<InboxError> {
    const retry = Number(res.headers.get('retry-after'));
    const retryAfterSec = Number.isFinite(retry) && retry > 0 ? retry : undefined;
    let body: { error?: unknown; message?: unknown } = {};
    try {
      body = (await res.json()) as typeof body;
    } catch {
      // not JSON (a proxy's page): keep the status
    }
    const code = typeof body.error === 'string' ? body.error : `http_${res.status}`;
    const message = typeof body.message === 'string' ? body.message : `The server answered ${res.status}.`;
    return new InboxError(res.status, code, message, retryAfterSec);
  }

  static network(cause: unknown): InboxError {
    const why = cause instanceof Error ? cause.message : String(cause);
    return new InboxError(0, 'network_error', `The inbox server could not be reached: ${why}`);
  }
}
