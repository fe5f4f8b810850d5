import { timingSafeEqual } from 'node:crypto';
import type { Role } from './call-state.ts';
import type { NewCall } from '../../store/call-state.ts';

/**
 * §12.3: the role a `hello`'s `auth` gives on this call — the callee token
 * first, as the original checked it — or undefined (`bad authentication`).
 * Compared in constant time; `auth` may be any JSON value.
 */
export function roleFor(call: Pick<NewCall, 'wsCallerToken' | 'wsCalleeToken'>, auth: unknown): Role | undefined {
  if (typeof auth !== 'string') return undefined;
  const given = Buffer.from(auth, 'utf8');
  if (same(given, call.wsCalleeToken)) return 'callee';
  if (same(given, call.wsCallerToken)) return 'caller';
  return undefined;
}

function same(given: Buffer, token: string): boolean {
  const expected = Buffer.from(token, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
