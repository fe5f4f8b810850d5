import type { PlacedCall } from '../../store/call-state.ts';
import type { LoopContext } from '../context.ts';
import { loopErrors, type LoopError } from '../errors.ts';
import { randomHex } from '../credentials.ts';
import { flatJson } from '../flat-json.ts';
import { isAsync, then, type MaybeAsync } from '../../store/maybe-async.ts';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** What a new call carries besides its provider session and tokens (§7.2 step 5, §7.3). */
export interface CallSpec {
  readonly channel: string;
  readonly callType: string;
  readonly subject?: string;
  readonly callerId?: string;
  readonly calleeFriendlyName?: string;
  readonly callToken?: string;
  readonly urlCreationDate?: number;
}

/** The caller's answer of POST /calls and POST /calls/{token}. */
export interface CallerView {
  readonly callId: string;
  readonly websocketToken: string;
  readonly sessionId: string;
  readonly sessionToken: string;
  readonly apiKey: string;
  readonly progressURL: string;
}

/** A caller view's JSON text (its tokens are long: see flat-json.ts). */
export const callerViewJson = flatJson<keyof CallerView>(['callId', 'websocketToken', 'sessionId', 'sessionToken', 'apiKey', 'progressURL']);

/** What placing a call uses. */
export type CallPlacement = Pick<LoopContext, 'services' | 'callState' | 'store' | 'log'> & {
  readonly config: { readonly external: { readonly tokBox: { readonly tokenDurationSec: number } }; readonly limits: Pick<LoopContext['config']['limits'], 'callsPerUser'> };
};

/**
 * Creates the provider session and tokens, stores the call in each callee's
 * call list with its progress state (`init`) in one store step, for
 * `callDuration` (never extended), and sends each callee its `calls` wake-up. The caller's provider
 * token is returned, never stored.
 */
export function placeCall(
  ctx: CallPlacement,
  spec: CallSpec,
  calleeUserKeys: readonly string[],
  nowSec: number,
  progressURL: string,
): MaybeAsync<CallerView | LoopError> {
  let session: MaybeAsync<ProviderSession>;
  try {
    session = ctx.services.provider.createSession(spec.channel);
  } catch (err) {
    return providerFailed(ctx, err);
  }
  if (isAsync(session)) {
    return session.then((s) => placeIn(ctx, s, spec, calleeUserKeys, nowSec, progressURL), (err) => providerFailed(ctx, err));
  }
  return placeIn(ctx, session, spec, calleeUserKeys, nowSec, progressURL);
}

type ProviderSession = { readonly apiKey: string; readonly sessionId: string };

function providerFailed(ctx: CallPlacement, err: unknown): LoopError {
  ctx.log.warn({ err }, 'media provider failed to create a call session');
  return loopErrors.backend();
}

/** placeCall once the provider session is made. */
function placeIn(
  ctx: CallPlacement,
  session: ProviderSession,
  spec: CallSpec,
  calleeUserKeys: readonly string[],
  nowSec: number,
  progressURL: string,
): MaybeAsync<CallerView | LoopError> {
  const { provider } = ctx.services;
  let callerToken: string;
  let calleeToken: string;
  try {
    const expireTime = nowSec + ctx.config.external.tokBox.tokenDurationSec;
    callerToken = provider.createToken(session.sessionId, spec.channel, 'publisher', expireTime);
    calleeToken = provider.createToken(session.sessionId, spec.channel, 'publisher', expireTime);
  } catch (err) {
    return providerFailed(ctx, err);
  }
  // Built by assignment rather than conditional spreads: this runs on every
  // call, and absent optional fields must stay absent (not undefined).
  const call: Mutable<PlacedCall> = {
    callId: randomHex(16),
    callType: spec.callType,
    timestamp: nowSec,
    apiKey: session.apiKey,
    sessionId: session.sessionId,
    calleeToken,
    wsCallerToken: randomHex(16),
    wsCalleeToken: randomHex(16),
  };
  if (spec.subject !== undefined) call.subject = spec.subject;
  if (spec.callerId !== undefined) call.callerId = spec.callerId;
  if (spec.calleeFriendlyName !== undefined) call.calleeFriendlyName = spec.calleeFriendlyName;
  if (spec.callToken !== undefined) {
    call.callToken = spec.callToken;
    call.urlCreationDate = spec.urlCreationDate;
  }
  // One step: once GET /calls lists the call (on any node), a callee's `hello` finds it.
  const created = ctx.callState.create(call, calleeUserKeys, ctx.config.limits.callsPerUser);
  return then<string[], CallerView | LoopError>(created, (reached) => {
    // Every call list filled up since the caller checked (limits.callsPerUser), or the store is full (limits.calls).
    if (reached.length === 0) return loopErrors.backend();
    const view: CallerView = {
      callId: call.callId,
      websocketToken: call.wsCallerToken,
      sessionId: session.sessionId,
      sessionToken: callerToken,
      apiKey: session.apiKey,
      progressURL,
    };
    return then(wakeCallees(ctx, reached, call.timestamp, 0), () => view);
  });
}

/** Each callee's `calls` wake-up, in order, from `from` on; at once while the store answers at once. */
function wakeCallees(ctx: CallPlacement, users: readonly string[], version: number, from: number): MaybeAsync<void> {
  for (let i = from; i < users.length; i++) {
    const urls = ctx.store.pushUrls(users[i], 'calls');
    if (isAsync(urls)) {
      return urls.then((list) => {
        if (list.length > 0) ctx.services.push.notify(list, version);
        return wakeCallees(ctx, users, version, i + 1);
      });
    }
    if (urls.length > 0) ctx.services.push.notify(urls, version);
  }
}
