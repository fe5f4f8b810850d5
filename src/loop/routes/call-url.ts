import type { CallUrls } from '../call-urls/index.ts';
import type { LoopContext } from '../context.ts';
import { isLoopError } from '../errors.ts';
import type { LoopRouter } from '../router.ts';
import { callUrlRequest } from './call-bodies.ts';
import { hawkSession, negotiated, settled } from './guards.ts';
import { then } from '../../store/maybe-async.ts';

/** §6: call URLs over HTTP; the rules are the call-URL domain's (src/loop/call-urls/). */
export function registerCallUrlRoutes(router: LoopRouter, ctx: Pick<LoopContext, 'hawk' | 'urls'>, callUrls: CallUrls): void {
  const urlOf = (token: string) => ctx.urls.callUrl(token);

  router.add('POST', '/call-url', {
    body: true,
    handler(ex) {
      const refusal = callUrls.creationRefusal(); // §6.2: checked before anything else
      if (refusal) return ex.fail(refusal);
      // At once when the store answers at once (no promise hop).
      return settled(then(hawkSession(ctx, ex), (session) => {
        if (!session || !negotiated(ex, ['callerId'])) return;
        const { userKey, identity } = session.record;
        const owner = identity !== undefined ? { userKey, identity } : { userKey };
        return then(callUrls.create(owner, callUrlRequest(ex.body)), (created) => {
          if (isLoopError(created)) return ex.fail(created);
          const callUrl = urlOf(created.callToken);
          ex.json(200, { callUrl, callToken: created.callToken, call_url: callUrl, expiresAt: created.expiresAt });
        });
      }));
    },
  });

  router.add('GET', '/call-url', {
    async handler(ex) {
      const session = await hawkSession(ctx, ex);
      if (!session) return;
      ex.json(200, await callUrls.list(session.record.userKey));
    },
  });

  router.add('PUT', '/call-url/{token}', {
    body: true,
    async handler(ex) {
      const session = await hawkSession(ctx, ex);
      if (!session) return;
      const outcome = await callUrls.update(ex.params[0], session.record.userKey, callUrlRequest(ex.body));
      if (isLoopError(outcome)) return ex.fail(outcome);
      ex.json(200, outcome);
    },
  });

  router.add('DELETE', '/call-url/{token}', {
    async handler(ex) {
      const session = await hawkSession(ctx, ex);
      if (!session) return;
      const failure = await callUrls.revoke(ex.params[0], session.record.userKey);
      if (failure) return ex.fail(failure);
      ex.empty(204);
    },
  });
}
