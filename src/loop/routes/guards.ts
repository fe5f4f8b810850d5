import { acceptsJson, missingFields } from '../body.ts';
import type { LoopAuth } from '../context.ts';
import { LoopError, loopErrors } from '../errors.ts';
import type { MintedSession, Sessions } from '../sessions.ts';
import type { AuthedSession, Exchange } from '../exchange.ts';
import type { LoopFailure } from '../external/types.ts';
import type { HawkVerified } from '../hawk-auth.ts';
import { isAsync, type MaybeAsync } from '../../store/maybe-async.ts';

/** A handler's MaybeAsync outcome as the router wants it: nothing when it finished at once. */
export function settled(outcome: MaybeAsync<unknown>): void | Promise<void> {
  return isAsync(outcome) ? outcome.then(ignore) : undefined;
}

const ignore = (): void => {};

/** Hawk-only endpoints: the session, or null once the failure was written (at once when the store answers at once). */
export function hawkSession(ctx: LoopAuth, ex: Exchange): MaybeAsync<AuthedSession | null> {
  const outcome = hawkVerify(ctx, ex);
  return isAsync(outcome) ? outcome.then((o) => sessionOrFailure(ex, o)) : sessionOrFailure(ex, outcome);
}

function sessionOrFailure(ex: Exchange, outcome: AuthedSession | LoopError): AuthedSession | null {
  if (outcome instanceof LoopError) {
    ex.fail(outcome);
    return null;
  }
  return outcome;
}

/** Hawk verification of the exchange's request; on success the exchange runs as the session and its response is signed. */
export function hawkVerify(ctx: LoopAuth, ex: Exchange): MaybeAsync<AuthedSession | LoopError> {
  const { req } = ex;
  const outcome = ctx.hawk.verify({
    method: req.method, path: req.path, query: req.query,
    authorization: ex.header('authorization'), host: ex.header('host'), contentType: ex.header('content-type'),
  });
  return isAsync(outcome) ? outcome.then((o) => adopt(ex, o)) : adopt(ex, outcome);
}

function adopt(ex: Exchange, outcome: HawkVerified | LoopError): AuthedSession | LoopError {
  if (outcome instanceof LoopError) return outcome;
  ex.hawk = outcome.hawk;
  ex.session = outcome.session;
  return outcome.session;
}

/** Mints a session (§3.2) and makes the exchange run as it; its token goes out in `Hawk-Session-Token`. */
export function mintSession(sessions: Sessions, ex: Exchange, extra: { identity?: string; oauthState?: string } = {}): MaybeAsync<AuthedSession> {
  const minted = sessions.mint(extra);
  return isAsync(minted) ? minted.then((m) => adoptMinted(ex, m)) : adoptMinted(ex, minted);
}

function adoptMinted(ex: Exchange, { token, session }: MintedSession): AuthedSession {
  ex.mintedToken = token;
  ex.session = session;
  return session;
}

/** Registered-only endpoints (§3.8): Hawk, then a linked identity. */
export async function registeredSession(ctx: LoopAuth, ex: Exchange): Promise<AuthedSession | null> {
  const session = await hawkSession(ctx, ex);
  if (session && session.record.identity === undefined) {
    ex.fail(loopErrors.registeredOnly());
    return null;
  }
  return session;
}

/** §2.2 negotiation, then required keys: false once a failure was written. */
export function negotiated(ex: Exchange, required: readonly string[] = []): boolean {
  if (!acceptsJson(ex.header('accept'))) {
    ex.fail(loopErrors.notAcceptable());
    return false;
  }
  const missing = missingFields(ex.body, required);
  if (missing.length > 0) {
    ex.fail(loopErrors.missing(missing));
    return false;
  }
  return true;
}

/** An external service's failure as a Loop error. */
export function fromFailure(f: LoopFailure): LoopError {
  return new LoopError(f.status, f.errno as LoopError['errno'], f.error, f.wwwAuthenticate ? [['WWW-Authenticate', f.wwwAuthenticate]] : []);
}
