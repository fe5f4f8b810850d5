import type { OutboundPolicy } from '../../net/outbound-policy.ts';
import type { PushUrls } from '../../store/loop.ts';
import { field } from '../body.ts';
import type { LoopContext } from '../context.ts';
import { isLoopError, loopErrors, type LoopError } from '../errors.ts';
import type { Exchange } from '../exchange.ts';
import { authScheme } from '../hawk-auth.ts';
import type { LoopRouter } from '../router.ts';
import { fromFailure, hawkSession, mintSession, negotiated, registeredSession } from './guards.ts';

const TOPICS = new Set(['calls', 'rooms']);

/** The host of `url` when it parses; undefined otherwise (the original stored such URLs; we keep doing so). */
function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}

/**
 * §5: the push URLs a registration body gives, validated. Ours: a URL whose
 * host is an IP literal the outbound policy refuses (loopback, private,
 * link-local, reserved… unless OUTBOUND_ALLOW lists it) is refused at once
 * with 400 errno 107; host names are judged when a push is sent, after
 * resolution, since a name may resolve differently later.
 */
export function pushUrlsOf(ex: Exchange, policy: OutboundPolicy): PushUrls | LoopError {
  const urls: Record<string, unknown> = {};
  const map = field(ex.body, 'simplePushURLs');
  if (map !== undefined && map !== null) {
    if (typeof map !== 'object' || Array.isArray(map)) return loopErrors.invalid('simplePushURLs should be an object');
    Object.assign(urls, map);
  }
  const calls = field(ex.body, 'simplePushURL') ?? ex.query.get('simplePushURL') ?? field(ex.body, 'simple_push_url');
  if (calls !== undefined && calls !== null) urls.calls = calls;
  for (const [topic, url] of Object.entries(urls)) {
    if (!TOPICS.has(topic)) return loopErrors.invalid(`${topic} should be one of calls, rooms`);
    if (typeof url !== 'string' || !url.startsWith('http')) {
      return loopErrors.invalid(`simplePushURLs.${topic} should be a valid url`);
    }
    const host = hostOf(url);
    if (host !== undefined && policy.checkLiteralHost(host)) {
      return loopErrors.invalid(`simplePushURLs.${topic} should not point to a private or reserved address`);
    }
  }
  return urls as PushUrls;
}

/** §5: POST/DELETE /registration, DELETE /session, DELETE /account. */
export function registerRegistrationRoutes(
  router: LoopRouter,
  ctx: Pick<LoopContext, 'store' | 'sessions' | 'services' | 'hawk' | 'outbound' | 'callState' | 'limits'>,
): void {
  const { store, sessions, services } = ctx;

  router.add('POST', '/registration', {
    body: true,
    async handler(ex) {
      const authorization = ex.header('authorization');
      const scheme = authScheme(authorization);
      let identity: string | undefined;
      if (scheme === 'hawk') {
        if (!(await hawkSession(ctx, ex))) return;
      } else if (scheme === 'browserid') {
        const outcome = await services.browserId.verify(authorization);
        if (!outcome.ok) return ex.fail(fromFailure(outcome));
        identity = outcome.identity;
      } else if (scheme !== '') {
        return ex.fail(loopErrors.unsupportedScheme('BrowserID,Hawk'));
      }
      if (!negotiated(ex)) return;
      const urls = pushUrlsOf(ex, ctx.outbound.policy);
      if (isLoopError(urls)) return ex.fail(urls);
      // Only an anonymous registration is limited: it is the one anyone can make in a loop.
      if (scheme === '' && ctx.limits.registrations) {
        const waitSec = await ctx.limits.registrations.take(ex.req.client);
        if (waitSec > 0) return ex.fail(loopErrors.rateLimited(waitSec));
      }
      const session = ex.session ?? (await mintSession(sessions, ex, identity !== undefined ? { identity } : {}));
      if (urls.calls !== undefined || urls.rooms !== undefined) {
        await store.setPushUrls(session.record.userKey, session.id, urls);
      }
      ex.empty(200);
    },
  });

  router.add('DELETE', '/registration', {
    async handler(ex) {
      const session = await hawkSession(ctx, ex);
      if (!session) return;
      await store.deletePushUrls(session.record.userKey, session.id);
      ex.empty(204);
    },
  });

  router.add('DELETE', '/session', {
    async handler(ex) {
      const session = await registeredSession(ctx, ex);
      if (!session) return;
      await store.deletePushUrls(session.record.userKey, session.id);
      await store.deleteSession(session.id);
      ex.empty(204);
    },
  });

  router.add('DELETE', '/account', {
    async handler(ex) {
      const session = await hawkSession(ctx, ex);
      if (!session) return;
      const user = session.record.userKey;
      // The calls' progress state goes with them, so their WebSocket tokens stop working (bad callId).
      await Promise.all([store.deleteUserPushUrls(user), store.deleteUserCallUrls(user), ctx.callState.deleteUserCalls(user)]);
      await store.deleteSession(session.id);
      ex.empty(204);
    },
  });
}
