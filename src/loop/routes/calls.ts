import type { PlacedCall } from '../../store/call-state.ts';
import type { LoopContext } from '../context.ts';
import { callFields } from '../calls/fields.ts';
import type { CallPlacement, CallSpec } from '../calls/place.ts';
import { then } from '../../store/maybe-async.ts';
import { isLoopError, loopErrors } from '../errors.ts';
import type { LoopRouter } from '../router.ts';
import { callerViewJson, placeCall } from '../calls/place.ts';
import { calleesOf, callRequest } from './call-bodies.ts';
import { hawkSession, negotiated, registeredSession, settled } from './guards.ts';

/** §7.4 item view for the callee. */
function calleeView(call: PlacedCall, progressURL: string, urlOf: (t: string) => string): Record<string, unknown> {
  return {
    callId: call.callId,
    callType: call.callType,
    ...(call.callerId !== undefined ? { callerId: call.callerId } : {}),
    websocketToken: call.wsCalleeToken,
    apiKey: call.apiKey,
    sessionId: call.sessionId,
    sessionToken: call.calleeToken,
    progressURL,
    ...(call.subject !== undefined ? { subject: call.subject } : {}),
    ...(call.callToken !== undefined
      ? { callUrl: urlOf(call.callToken), call_url: urlOf(call.callToken), callToken: call.callToken, urlCreationDate: call.urlCreationDate }
      : {}),
  };
}

export type CallRoutesContext = CallPlacement & Pick<LoopContext, 'store' | 'sessions' | 'hawk' | 'urls' | 'config'>;

/** §7: calls over HTTP. */
export function registerCallRoutes(router: LoopRouter, ctx: CallRoutesContext): void {
  const { store, sessions, config } = ctx;
  const maxSubject = config.calls.maxSubjectSize;
  const { callsPerUser } = config.limits;
  const hasRoom = async (userKey: string) => (await ctx.callState.countCalls(userKey)) < callsPerUser;
  const urlOf = (token: string) => ctx.urls.callUrl(token);

  router.add('GET', '/calls/{token}', {
    async handler(ex) {
      const url = await store.getCallUrl(ex.params[0]);
      if (!url) return ex.fail(loopErrors.tokenNotFound());
      ex.json(200, {
        calleeFriendlyName: url.issuer,
        urlCreationDate: url.timestamp,
        ...(url.subject !== undefined ? { subject: url.subject } : {}),
      });
    },
  });

  router.add('POST', '/calls/{token}', {
    body: true,
    // At once when the stores answer at once (no promise hop).
    handler(ex) {
      return settled(then(store.getCallUrl(ex.params[0]), (url) => {
        if (!url) return ex.fail(loopErrors.tokenNotFound());
        if (!negotiated(ex)) return;
        const fields = callFields(callRequest(ex.body), maxSubject);
        if (isLoopError(fields)) return ex.fail(fields);
        return then(ctx.callState.countCalls(url.userKey), (count) => {
          // Ours (limits.callsPerUser): a full call list waits for its calls to end (callDuration); nothing is evicted.
          if (count >= callsPerUser) return ex.fail(loopErrors.backend());
          // Built field by field: object spreads with conditional parts cost a few temporaries per call.
          const spec: { -readonly [K in keyof CallSpec]: CallSpec[K] } = {
            channel: fields.channel,
            callType: fields.callType,
            calleeFriendlyName: url.issuer,
            callToken: url.token,
            urlCreationDate: url.timestamp,
          };
          if (fields.subject !== undefined) spec.subject = fields.subject;
          if (url.callerId !== undefined) spec.callerId = url.callerId;
          return then(placeCall(ctx, spec, [url.userKey], ex.nowSec(), ctx.urls.progressUrl), (answer) => {
            if (isLoopError(answer)) return ex.fail(answer);
            ex.jsonText(200, callerViewJson(answer));
          });
        });
      }));
    },
  });

  router.add('POST', '/calls', {
    body: true,
    async handler(ex) {
      const session = await registeredSession(ctx, ex);
      if (!session || !negotiated(ex, ['calleeId'])) return;
      const fields = callFields(callRequest(ex.body), maxSubject);
      if (isLoopError(fields)) return ex.fail(fields);
      const reached: string[] = [];
      for (const identity of new Set(calleesOf(ex.body))) {
        const user = sessions.userKeyOf(identity);
        // Ours (limits.callsPerUser): a callee whose call list is full is skipped like one without push URL.
        if (!reached.includes(user) && (await store.pushUrls(user, 'calls')).length > 0 && (await hasRoom(user))) reached.push(user);
      }
      if (reached.length === 0) return ex.fail(loopErrors.userUnavailable());
      const spec = { ...fields, callerId: session.record.identity };
      const answer = await placeCall(ctx, spec, reached, ex.nowSec(), ctx.urls.progressUrl);
      if (isLoopError(answer)) return ex.fail(answer);
      ex.jsonText(200, callerViewJson(answer));
    },
  });

  router.add('GET', '/calls', {
    async handler(ex) {
      const session = await hawkSession(ctx, ex);
      if (!session) return;
      const version = ex.query.get('version');
      if (version === null) return ex.fail(loopErrors.missing(['version']));
      const since = Number(version); // '' is 0; a non-number matches nothing
      // §7.4: listCalls leaves out terminated calls.
      const calls = (await ctx.callState.listCalls(session.record.userKey)).filter((call) => call.timestamp >= since);
      calls.sort((a, b) => a.timestamp - b.timestamp);
      ex.json(200, { calls: calls.map((c) => calleeView(c, ctx.urls.progressUrl, urlOf)) });
    },
  });
}
