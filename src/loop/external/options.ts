/**
 * Options of the Loop layer's external services (loop-v1.md §14, §15), with
 * their defaults and TypeBox schemas. Field names follow the §15 setting names
 * and nesting (`tokBox.*`, `identity.browserid` + `fxa*`, `fxaOAuth.*`); the
 * time fields carry their unit in the name (`timeoutMs`, `tokenDurationSec`).
 * The schemas carry the defaults, so a loader can run `Value.Default` then
 * `Value.Check` on a JSON config section.
 */
import { Type, Value } from '../../schema.ts';

/**
 * A bad external-services setting. Not config.ts's ConfigError on purpose:
 * config.ts imports (through src/loop/settings.ts) this module, and importing
 * it back would make a cycle. Same `setting` field and message shape.
 */
export class ExternalOptionsError extends Error {
  constructor(
    readonly setting: string,
    readonly detail: string,
  ) {
    super(`invalid setting ${setting}: ${detail}`);
    this.name = 'ExternalOptionsError';
  }
}

// ---------------------------------------------------------------- tokBox

/** One channel's OpenTok project. */
export interface TokBoxCredentials {
  readonly apiKey: string;
  readonly apiSecret: string;
  /** OpenTok REST endpoint. Default `https://api.opentok.com`. */
  readonly apiUrl?: string;
}

/** Credentials per channel (`release`, `beta`, `nightly`, …); `default` serves every other channel. */
export interface TokBoxChannels {
  readonly default: TokBoxCredentials;
  readonly [channel: string]: TokBoxCredentials;
}

/** `tokBox.*` (§14.1). */
export interface TokBoxOptions {
  /** `fake` (default, offline) or `opentok` (the OpenTok REST API). */
  readonly provider: 'fake' | 'opentok';
  /** Required when `provider` is `opentok`; unused by `fake`. */
  readonly credentials?: TokBoxChannels;
  /** Session-creation attempts before giving up (503 errno 201). Default 3. */
  readonly retryOnError: number;
  /** Time allowed to each session-creation attempt (and to `ping`). Default 2000 ms. */
  readonly timeoutMs: number;
  /** Lifetime of provider tokens. Default 86400 s (24 h). */
  readonly tokenDurationSec: number;
  /** `t1` (legacy `T1==` tokens, what Loop-era clients expect; default) or `jwt`. */
  readonly tokenFormat: 't1' | 'jwt';
  /** The fake provider's api key. Default `44669102`. */
  readonly fakeApiKey: string;
  /** The fake provider's api secret. Default: random per process. */
  readonly fakeApiSecret?: string;
}

export const DEFAULT_OPENTOK_API_URL = 'https://api.opentok.com';

export const DEFAULT_TOKBOX_OPTIONS: TokBoxOptions = Object.freeze({
  provider: 'fake',
  retryOnError: 3,
  timeoutMs: 2000,
  tokenDurationSec: 86_400,
  tokenFormat: 't1',
  fakeApiKey: '44669102',
});

const CredentialsSchema = Type.Object(
  {
    apiKey: Type.String({ minLength: 1 }),
    apiSecret: Type.String({ minLength: 1 }),
    apiUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
  },
  { additionalProperties: false, default: {} },
);

export const TokBoxOptionsSchema = Type.Object(
  {
    provider: Type.Union([Type.Literal('fake'), Type.Literal('opentok')], { default: DEFAULT_TOKBOX_OPTIONS.provider }),
    credentials: Type.Optional(Type.Object({ default: CredentialsSchema }, { additionalProperties: CredentialsSchema })),
    retryOnError: Type.Integer({ minimum: 1, maximum: 10, default: DEFAULT_TOKBOX_OPTIONS.retryOnError }),
    timeoutMs: Type.Number({ exclusiveMinimum: 0, maximum: 60_000, default: DEFAULT_TOKBOX_OPTIONS.timeoutMs }),
    tokenDurationSec: Type.Integer({ minimum: 1, maximum: 30 * 86_400, default: DEFAULT_TOKBOX_OPTIONS.tokenDurationSec }),
    tokenFormat: Type.Union([Type.Literal('t1'), Type.Literal('jwt')], { default: DEFAULT_TOKBOX_OPTIONS.tokenFormat }),
    fakeApiKey: Type.String({ minLength: 1, pattern: '^[^~]+$', default: DEFAULT_TOKBOX_OPTIONS.fakeApiKey }),
    fakeApiSecret: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false, default: {} },
);

// ---------------------------------------------------------------- BrowserID

/** `identity.browserid` with the top-level `fxaAudiences`, `fxaVerifier`, `fxaTrustedIssuers` (§3.9, §14.2). */
export interface BrowserIdOptions {
  /** `off` (default: every BrowserID header is refused), `fake` (tests, demos) or `remote`. */
  readonly browserid: 'off' | 'fake' | 'remote';
  /** Accepted assertion audiences (`remote`). Default []. */
  readonly fxaAudiences: readonly string[];
  /** Verifier URL the assertion is POSTed to (`remote`). */
  readonly fxaVerifier: string;
  /** Issuers whose assertions are trusted (`remote`). */
  readonly fxaTrustedIssuers: readonly string[];
  /** Time allowed to the verifier call. Default 5000 ms (ours). */
  readonly verifierTimeoutMs: number;
}

export const DEFAULT_BROWSERID_OPTIONS: BrowserIdOptions = Object.freeze({
  browserid: 'off',
  fxaAudiences: Object.freeze([]) as readonly string[],
  fxaVerifier: 'https://verifier.accounts.firefox.com/v2',
  fxaTrustedIssuers: Object.freeze(['api.accounts.firefox.com']),
  verifierTimeoutMs: 5000,
});

const url = (fallback: string) => Type.String({ pattern: '^https?://', default: fallback });

export const BrowserIdOptionsSchema = Type.Object(
  {
    browserid: Type.Union([Type.Literal('off'), Type.Literal('fake'), Type.Literal('remote')], {
      default: DEFAULT_BROWSERID_OPTIONS.browserid,
    }),
    fxaAudiences: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
    fxaVerifier: url(DEFAULT_BROWSERID_OPTIONS.fxaVerifier),
    fxaTrustedIssuers: Type.Array(Type.String({ minLength: 1 }), { default: [...DEFAULT_BROWSERID_OPTIONS.fxaTrustedIssuers] }),
    verifierTimeoutMs: Type.Number({ exclusiveMinimum: 0, maximum: 60_000, default: DEFAULT_BROWSERID_OPTIONS.verifierTimeoutMs }),
  },
  { additionalProperties: false, default: {} },
);

// ---------------------------------------------------------------- FxA OAuth

/** `fxaOAuth.*` (§9, §14.3). The snake_case names are Loop's own (they are echoed by `POST /fxa-oauth/params`). */
export interface FxaOAuthOptions {
  /** When false the `/fxa-oauth/*` endpoints do not exist. Default true. */
  readonly activated: boolean;
  /** `remote` (default) or `fake` (`fake:<email>` codes, no network). */
  readonly provider: 'remote' | 'fake';
  /** Unset by default: `remote` exchanges then answer 503 errno 201. */
  readonly client_id?: string;
  readonly client_secret?: string;
  readonly oauth_uri: string;
  readonly profile_uri: string;
  readonly content_uri: string;
  readonly redirect_uri: string;
  readonly scope: string;
  /** Time allowed to each of the token and profile calls. Default 5000 ms (ours). */
  readonly timeoutMs: number;
}

export const DEFAULT_FXA_OAUTH_OPTIONS: FxaOAuthOptions = Object.freeze({
  activated: true,
  provider: 'remote',
  oauth_uri: 'https://oauth.accounts.firefox.com/v1',
  profile_uri: 'https://profile.firefox.com/v1',
  content_uri: 'https://accounts.firefox.com',
  redirect_uri: 'urn:ietf:wg:oauth:2.0:fx:webchannel',
  scope: 'profile',
  timeoutMs: 5000,
});

const d = DEFAULT_FXA_OAUTH_OPTIONS;
export const FxaOAuthOptionsSchema = Type.Object(
  {
    activated: Type.Boolean({ default: d.activated }),
    provider: Type.Union([Type.Literal('remote'), Type.Literal('fake')], { default: d.provider }),
    client_id: Type.Optional(Type.String({ minLength: 1 })),
    client_secret: Type.Optional(Type.String({ minLength: 1 })),
    oauth_uri: url(d.oauth_uri),
    profile_uri: url(d.profile_uri),
    content_uri: url(d.content_uri),
    redirect_uri: Type.String({ minLength: 1, default: d.redirect_uri }),
    scope: Type.String({ minLength: 1, default: d.scope }),
    timeoutMs: Type.Number({ exclusiveMinimum: 0, maximum: 60_000, default: d.timeoutMs }),
  },
  { additionalProperties: false, default: {} },
);

// ---------------------------------------------------------------- push

/** SimplePush wake-ups (§11). */
export interface PushOptions {
  /** Time allowed to each `PUT`. Default 5000 ms. */
  readonly timeoutMs: number;
  /** `PUT`s in flight at once; the rest wait in a queue. Default 32. */
  readonly maxConcurrency: number;
  /** Notifications waiting beyond the ones in flight; more are dropped (and logged). Default 10000. */
  readonly maxQueued: number;
}

export const DEFAULT_PUSH_OPTIONS: PushOptions = Object.freeze({ timeoutMs: 5000, maxConcurrency: 32, maxQueued: 10_000 });

export const PushOptionsSchema = Type.Object(
  {
    timeoutMs: Type.Number({ exclusiveMinimum: 0, maximum: 60_000, default: DEFAULT_PUSH_OPTIONS.timeoutMs }),
    maxConcurrency: Type.Integer({ minimum: 1, maximum: 10_000, default: DEFAULT_PUSH_OPTIONS.maxConcurrency }),
    maxQueued: Type.Integer({ minimum: 0, maximum: 10_000_000, default: DEFAULT_PUSH_OPTIONS.maxQueued }),
  },
  { additionalProperties: false, default: {} },
);

// ---------------------------------------------------------------- all of them

/** Everything `createExternalServices` needs. */
export interface ExternalServicesOptions {
  readonly tokBox: TokBoxOptions;
  readonly browserId: BrowserIdOptions;
  readonly fxaOAuth: FxaOAuthOptions;
  readonly push: PushOptions;
}

export const DEFAULT_EXTERNAL_SERVICES_OPTIONS: ExternalServicesOptions = Object.freeze({
  tokBox: DEFAULT_TOKBOX_OPTIONS,
  browserId: DEFAULT_BROWSERID_OPTIONS,
  fxaOAuth: DEFAULT_FXA_OAUTH_OPTIONS,
  push: DEFAULT_PUSH_OPTIONS,
});

export const ExternalServicesOptionsSchema = Type.Object(
  {
    tokBox: TokBoxOptionsSchema,
    browserId: BrowserIdOptionsSchema,
    fxaOAuth: FxaOAuthOptionsSchema,
    push: PushOptionsSchema,
  },
  { additionalProperties: false, default: {} },
);

/**
 * Fills the defaults of every absent field, checks the result and returns it
 * frozen. `raw` is the JSON config's object of the four sections (absent
 * sections take their defaults). Throws ExternalOptionsError naming the first
 * bad setting (e.g. `tokBox.retryOnError`).
 */
export function parseExternalServicesOptions(raw: unknown = {}): ExternalServicesOptions {
  const value = Value.Default(ExternalServicesOptionsSchema, Value.Clone(raw ?? {}));
  const first = Value.Errors(ExternalServicesOptionsSchema, value).First();
  if (first) {
    const setting = first.path.replace(/^\//, '').replace(/\//g, '.') || '(external services)';
    throw new ExternalOptionsError(setting, first.message);
  }
  const options = value as ExternalServicesOptions;
  if (options.tokBox.provider === 'opentok' && !options.tokBox.credentials) {
    throw new ExternalOptionsError('tokBox.credentials', 'required when tokBox.provider is "opentok"');
  }
  return deepFreeze(options);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
