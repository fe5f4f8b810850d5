import type { LoopFailure } from './types.ts';

export function loopFailure(status: number, errno: number, error: string, wwwAuthenticate?: string): LoopFailure {
  return wwwAuthenticate === undefined
    ? { ok: false, status, errno, error }
    : { ok: false, status, errno, error, wwwAuthenticate };
}

/** 503 errno 201, the Loop answer to any backend failure. */
export const serviceUnavailable = (): LoopFailure => loopFailure(503, 201, 'Service Unavailable');

