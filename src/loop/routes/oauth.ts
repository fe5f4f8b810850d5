import { field } from '../body.ts';
import type { LoopAuth, LoopContext } from '../context.ts';
import { loopErrors } from '../errors.ts';
import type { AuthedSession, Exchange } from '../exchange.ts';
import { randomHex } from '../credentials.ts';
import { authScheme } from '../hawk-auth.ts';
import type { LoopRouter } from '../router.ts';
import { fromFailure, hawkSession, mintSession, negotiated } from './guards.ts';

/**
 * §3.11: the /fxa-oauth/* endpoints take only sessions made by POST
 * /fxa-oauth/params; any other Hawk session is an unknown one there (and,
 * not being accepted, its error is not signed).
 */
async function oauthSession(ctx: LoopAuth, ex: Exchange): Promise<AuthedSession | null> {
  const session = await hawkSession(ctx, ex);
  if (session && session.record.oauthState === undefined) {
    ex.hawk = undefined;
    ex.session = undefined;
    ex.fail(loopErrors.unknownCredentials());
    return null;
  }
  return session;
}

/** §9: Firefox Accounts OAuth (registered only when `fxaOAuth.activated`). */
export function registerOAuthRoutes(router: LoopRouter, ctx: Pick<LoopContext, 'store' | 'sessions' | 'services' | 'hawk' | 'config'>): void {
  const { store, sessions, services } = ctx;
  const o = ctx.config.fxaOAuth;

  router.add('POST', '/fxa-oauth/params', {
    async handler(ex) {
      let session: AuthedSession | null;
      // Quirk (§3.1), reproduced: a non-Hawk scheme mints a session like no credentials at all.
      if (authScheme(ex.header('authorization')) === 'hawk') session = await oauthSession(ctx, ex);
      else session = await mintSession(sessions, ex, { oauthState: randomHex(32) });
      if (!session) return;
      ex.json(200, {
        client_id: o.client_id,
        redirect_uri: o.redirect_uri,
        profile_uri: o.profile_uri,
        content_uri: o.content_uri,
        oauth_uri: o.oauth_uri,
        scope: o.scope,
        state: session.record.oauthState,
      });
    },
  });

  router.add('GET', '/fxa-oauth/token', {
    async handler(ex) {
      const session = await oauthSession(ctx, ex);
      if (!session) return;
      const token = session.record.oauthToken;
      ex.json(200, token !== undefined ? { access_token: token } : {});
    },
  });

  router.add('POST', '/fxa-oauth/token', {
    body: true,
    async handler(ex) {
      const session = await oauthSession(ctx, ex);
      if (!session || !negotiated(ex, ['state', 'code'])) return;
      // Whatever the outcome, the state is used up.
      await store.updateSession(session.id, { oauthState: randomHex(32) });
      if (field(ex.body, 'state') !== session.record.oauthState) return ex.fail(loopErrors.invalidOAuthState());
      const code = field(ex.body, 'code');
      if (typeof code !== 'string') return ex.fail(loopErrors.invalid('code should be a string'));
      const outcome = await services.fxa.exchange(code);
      if (!outcome.ok) return ex.fail(fromFailure(outcome));
      await store.updateSession(session.id, { oauthToken: outcome.accessToken });
      await sessions.link(session, outcome.email);
      ex.json(200, { token_type: outcome.tokenType, access_token: outcome.accessToken, scope: outcome.scope });
    },
  });
}
