/**
 * Sentences for the user, from the server's errors. Both pages get errors
 * shaped like the client library's InboxError: an HTTP status (0 when the
 * server could not be reached, the WebSocket close code minus 4000) and the
 * server's stable code.
 */
export interface Failure {
  readonly status: number;
  readonly code?: string;
  readonly message: string;
}

export function asFailure(err: unknown): Failure {
  if (typeof err === 'object' && err !== null && typeof (err as Failure).status === 'number') return err as Failure;
  return { status: -1, message: err instanceof Error ? err.message : String(err) };
}

const UNREACHABLE = 'The server could not be reached. Check your connection and try again.';

export function signInProblem(err: unknown, name: string): string {
  const f = asFailure(err);
  if (f.status === 401) {
    return `The name “${name}” is in use in another browser. Pick another name (↻ gives a new one), or, if it was you, wait a minute until the old session lets go of it.`;
  }
  if (f.status === 0) return UNREACHABLE;
  if (f.status === 503) return 'The server is full right now. Try again in a moment.';
  if (f.status === 400) return `The server refused this name: ${f.message}`;
  return `Could not go online: ${f.message}`;
}

/** The connection stopped for good after signing in. */
export function lostProblem(err: unknown, name: string): string {
  const f = asFailure(err);
  if (f.status === 409) return `You went online as “${name}” in another tab or window, so this page is offline now. Go online again here to take the name back.`;
  if (f.status === 404) return 'Your inbox was closed by the server. Go online again to get it back.';
  if (f.status === 401) return signInProblem(err, name);
  return `You are offline: ${f.message}`;
}

export function callProblem(err: unknown, remote: string): string {
  const f = asFailure(err);
  if (f.status === 404) return `No one is online as “${remote}”. Check the name, or send them your link so they can call you.`;
  if (f.status === 400) return `“${remote}” is not a valid name.`;
  if (f.status === 503) return `${remote} cannot take messages right now. Try again in a moment.`;
  if (f.status === 0) return UNREACHABLE;
  return `The call could not start: ${f.message}`;
}
