import type { HeaderList } from '../../http/reply.ts';
import type { OutboundClient } from '../../net/outbound-http.ts';
import type { LoopContext } from '../context.ts';
import type { Exchange } from '../exchange.ts';
import type { LoopRouter } from '../router.ts';
import { apiSpecs } from './api-specs.ts';

const NO_STORE: HeaderList = [['Cache-Control', 'no-store']];
const VERSION = '0.1.0';

/** Resolves to false when `check` rejects, answers false, or takes longer than `ms`. */
async function within(ms: number, check: () => Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([check().then((v) => v !== false, () => false), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** GET <url> answering 200 within the timeout (guarded: a private destination or a redirect is a failure). */
const status200 = (outbound: OutboundClient, url: string, ms: number) => () =>
  outbound.request(url, { timeoutMs: ms, discardBody: true }).then((r) => r.ok && r.status === 200);

/** `ws(s)://host/…` → `http(s)://host/status` (§4). */
function pushStatusUrl(uri: string): string {
  const url = new URL(uri);
  const scheme = url.protocol === 'wss:' || url.protocol === 'https:' ? 'https' : 'http';
  return `${scheme}://${url.host}/status`;
}

export type ServiceRoutesContext = Pick<LoopContext, 'config' | 'services' | 'health' | 'store' | 'outbound' | 'urls'>;

/** §4: GET /, the two heartbeats, /push-server-config and /api-specs. */
export function registerServiceRoutes(router: LoopRouter, ctx: ServiceRoutesContext): void {
  const { config: c, services, health, store, outbound } = ctx;
  const fxaOAuth = c.fxaOAuth.activated;

  router.add('GET', '/', {
    handler(ex) {
      // §4 MAY: a browser asking for a page goes to the demo; API clients (no Accept, */*, JSON) get the JSON.
      // The query goes along (`/?transport=poll` → `/demo/?transport=poll`).
      if (ex.header('accept').includes('text/html')) {
        const location = ex.req.query === '' ? '/demo/' : `/demo/?${ex.req.query}`;
        return ex.text(302, `Found. Redirecting to ${location}`, [['Location', location]]);
      }
      const lang = ex.header('accept-language').split(',')[0];
      ex.json(200, {
        name: 'mozilla-loop-server',
        description: 'signalbox: the Mozilla Loop (WebRTC App) server API',
        ...(c.displayVersion ? { version: VERSION } : {}),
        homepage: 'https://github.com/mozilla-services/loop-server/',
        endpoint: `${c.protocol}://${ex.header('host')}`,
        fakeTokBox: services.provider.fake,
        fxaOAuth,
        i18n: { defaultLang: c.i18n.defaultLang, ...(lang ? { lang } : {}) },
      });
    },
  });

  router.add('GET', '/__heartbeat__', {
    async handler(ex: Exchange) {
      const ms = c.heartbeatTimeout;
      let providerError = '';
      const [inbox, loop, provider, push, fxaVerifier] = await Promise.all([
        within(ms, () => health.inboxStorePing()),
        within(ms, async () => store.ping()),
        services.provider.fake
          ? true
          : within(ms, () => services.provider.ping().catch((err: Error) => {
              providerError = err?.message ?? String(err);
              throw err;
            })),
        c.heartbeat.checkPushServers
          ? Promise.all(c.pushServerURIs.map((u) => within(ms, status200(outbound, pushStatusUrl(u), ms)))).then((all) => all.every(Boolean))
          : true,
        c.identity.browserid === 'remote' ? within(ms, status200(outbound, `${new URL(c.fxaVerifier).origin}/status`, ms)) : true,
      ]);
      const storage = inbox && loop;
      const ok = storage && provider && push && fxaVerifier;
      const body: Record<string, unknown> = { storage, provider, push, fxaVerifier };
      if (!provider) body.message = `TokBox ${providerError || 'timeout'}`;
      ex.json(ok ? 200 : 503, body, NO_STORE);
    },
  });

  router.add('GET', '/__lbheartbeat__', {
    handler(ex) {
      if (health.accepting()) ex.json(200, {}, NO_STORE);
      else ex.json(503, { code: 503, errno: 201, error: 'Service Unavailable' }, NO_STORE);
    },
  });

  router.add('GET', '/push-server-config', {
    handler(ex) {
      const list = c.pushServerURIs;
      ex.json(200, { pushServerURI: list[Math.floor(Math.random() * list.length)] });
    },
  });

  router.add('GET', '/api-specs', { handler: (ex) => ex.json(200, apiSpecs(ctx.urls.origin, VERSION)) });
}
