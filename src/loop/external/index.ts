import type { Logger } from 'pino';
import type { Timers } from '../../clock.ts';
import { OutboundClient } from '../../net/outbound-http.ts';
import { FakeBrowserIdVerifier, OffBrowserIdVerifier, RemoteBrowserIdVerifier } from './browserid.ts';
import { FakeFxaOAuthClient, RemoteFxaOAuthClient } from './fxa-oauth.ts';
import { ExternalOptionsError, type ExternalServicesOptions } from './options.ts';
import { FakeMediaProvider } from './provider/fake.ts';
import { OpenTokMediaProvider } from './provider/opentok.ts';
import { HttpPushNotifier } from './push.ts';
import type { BrowserIdVerifier, FxaOAuthClient, MediaProvider, PushNotifier } from './types.ts';

export type * from './types.ts';
export * from './options.ts';
export { FakeMediaProvider } from './provider/fake.ts';

/** The four external services the Loop layer calls (loop-v1.md §14). */
export interface ExternalServices {
  readonly provider: MediaProvider;
  readonly push: PushNotifier;
  readonly browserId: BrowserIdVerifier;
  readonly fxa: FxaOAuthClient;
}

/** Test seams. */
export interface ExternalServicesDeps {
  /** Timers for the provider's per-attempt timeout. Default: the real ones. */
  readonly timers?: Timers;
  /** Wall-clock ms since the epoch, for the fake provider's ids and tokens. Default Date.now. */
  readonly nowMs?: () => number;
  /** The HTTP client of every remote service. Default: one with an empty allow list (private destinations refused). */
  readonly outbound?: OutboundClient;
}

/**
 * Builds the services the options choose. Throws ExternalOptionsError when the
 * `opentok` provider has no credentials; logs a warning for every choice an
 * operator should know about (fake identities, missing OAuth client).
 */
export function createExternalServices(
  options: ExternalServicesOptions,
  log: Logger,
  deps: ExternalServicesDeps = {},
): ExternalServices {
  const { tokBox, browserId, fxaOAuth, push } = options;
  const outbound = deps.outbound ?? new OutboundClient({ log });

  let provider: MediaProvider;
  if (tokBox.provider === 'opentok') {
    if (!tokBox.credentials?.default) {
      throw new ExternalOptionsError('tokBox.credentials', 'a "default" channel is required when tokBox.provider is "opentok"');
    }
    provider = new OpenTokMediaProvider({ ...tokBox, credentials: tokBox.credentials, log, outbound, timers: deps.timers });
  } else {
    provider = new FakeMediaProvider({ ...tokBox, nowMs: deps.nowMs });
  }

  let verifier: BrowserIdVerifier;
  switch (browserId.browserid) {
    case 'fake':
      log.warn('identity.browserid is "fake": "BrowserID fake:<identity>" logs in as anyone (tests and demos only)');
      verifier = new FakeBrowserIdVerifier();
      break;
    case 'remote':
      if (browserId.fxaAudiences.length === 0) log.warn('identity.browserid is "remote" but fxaAudiences is empty: every assertion will be refused');
      verifier = new RemoteBrowserIdVerifier(browserId, log, outbound);
      break;
    default:
      verifier = new OffBrowserIdVerifier();
  }

  let fxa: FxaOAuthClient;
  if (fxaOAuth.provider === 'fake') {
    if (fxaOAuth.activated) log.warn('fxaOAuth.provider is "fake": any "fake:<email>" code logs in as that email (tests and demos only)');
    fxa = new FakeFxaOAuthClient(fxaOAuth);
  } else {
    // Only a half-given pair is a mistake worth a warning; neither set is the default (the endpoint answers 503).
    if (fxaOAuth.activated && Boolean(fxaOAuth.client_id) !== Boolean(fxaOAuth.client_secret)) {
      log.warn('fxaOAuth.client_id / client_secret are not set: POST /fxa-oauth/token will answer 503');
    }
    fxa = new RemoteFxaOAuthClient(fxaOAuth, log, outbound);
  }

  return { provider, push: new HttpPushNotifier(push, log, outbound), browserId: verifier, fxa };
}
