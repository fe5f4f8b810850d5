/**
 * A storage backend could not do what was asked (unreachable, timed out,
 * refused the command). Backends throw this and nothing else for their own
 * failures, wrapping the cause; each surface maps it once to its "retry
 * later" answer (inbox 503 storage_unavailable, Loop 503 errno 201).
 * Any other exception out of a store call is a bug and stays a 500.
 */
export class StoreError extends Error {
  /** Stable machine code, the inbox surface's error code as well. */
  readonly code = 'storage_unavailable';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
  }
}

export const isStoreError = (err: unknown): err is StoreError => err instanceof StoreError;

/** What a backend threw during `operation`, as a StoreError (one passes through unchanged). */
export function asStoreError(err: unknown, operation: string): StoreError {
  if (isStoreError(err)) return err;
  const why = err instanceof Error ? err.message : String(err);
  return new StoreError(`${operation}: ${why}`, { cause: err });
}

/** The fields a surface logs for a StoreError: an expected outage, so no stack. */
export const storeFailureFields = (err: StoreError): { code: string; reason: string } => ({ code: err.code, reason: err.message });
