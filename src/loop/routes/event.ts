import { field } from '../body.ts';
import type { LoopContext } from '../context.ts';
import { loopErrors } from '../errors.ts';
import type { LoopRouter } from '../router.ts';
import { hawkSession, negotiated } from './guards.ts';

/** §10 / §14.5: POST /event. Parameters are checked before Hawk, as the original did. */
export function registerEventRoutes(
  router: LoopRouter,
  ctx: Pick<LoopContext, 'hawk' | 'log'> & { readonly config: Pick<LoopContext['config'], 'analytics'> },
): void {
  const mode = ctx.config.analytics.mode;
  router.add('POST', '/event', {
    body: true,
    async handler(ex) {
      if (!negotiated(ex, ['event', 'action', 'label'])) return;
      const session = await hawkSession(ctx, ex);
      if (!session) return;
      if (mode === 'off') return ex.fail(loopErrors.analyticsOff());
      ctx.log.info(
        { category: field(ex.body, 'event'), action: field(ex.body, 'action'), label: field(ex.body, 'label'), user: session.record.userKey },
        'Loop analytics event',
      );
      ex.empty(204);
    },
  });
}
