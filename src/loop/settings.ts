import { randomBytes } from 'node:crypto';
import { Type, type Static, type TSchema } from '../schema.ts';
import {
  FxaOAuthOptionsSchema, PushOptionsSchema, TokBoxOptionsSchema, parseExternalServicesOptions, type ExternalServicesOptions,
} from './external/options.ts';

/*
 * The `loop` section of the config: every setting of loop-v1.md §15 under its
 * spec name (a dotted name is a nested object), with the spec's default and
 * unit. Times follow the spec's units, given in each comment.
 */

const Int = (def: number, min = 1, max = Number.MAX_SAFE_INTEGER) => Type.Integer({ default: def, minimum: min, maximum: max });
const Sec = (def: number) => Type.Number({ default: def, exclusiveMinimum: 0, maximum: 10 * 365 * 86400 });
const Str = (def: string) => Type.String({ default: def, minLength: 1 });
const Bool = (def: boolean) => Type.Boolean({ default: def });
const Url = (def: string) => Type.String({ default: def, pattern: '^https?://' });
const Section = <T extends Record<string, TSchema>>(props: T) => Type.Object(props, { default: {}, additionalProperties: false });
/** A schema entry with a `description` (shown in the generated config docs). */
const Described = <T extends TSchema>(schema: T, description: string): T => ({ ...schema, description });
const Hex32 = Type.String({ pattern: '^[0-9a-fA-F]{32}$' });
const Lit = <T extends string>(values: readonly T[], def: T) =>
  Type.Union(values.map((v) => Type.Literal(v)), { default: def });

export const LoopSettingsSchema = Type.Object(
  {
    /** host[:port] clients reach us at: progressURL and /api-specs. */
    publicServerAddress: Type.Optional(Type.String({ minLength: 1 })),
    /** `https` when TLS ends in front: wss://…:443 progress URL, Hawk port 443. */
    protocol: Lit(['http', 'https'] as const, 'http'),
    /** Overrides of the host and port Hawk MACs are checked against (proxies). */
    hawk: Section({ host: Type.Optional(Type.String({ minLength: 1 })), port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })) }),
    /** 16 bytes as 32 hex; when unset: derived from SHARED_SECRET, else random per process. */
    hawkIdSecret: Type.Optional(Hex32),
    userMacSecret: Type.Optional(Hex32),
    /** Seconds a session lives after its last authenticated request. */
    hawkSessionDuration: Int(2_592_000),
    /** Seconds a call lives from its creation. */
    callDuration: Sec(60),
    /** Call-progress WebSocket timers, seconds (fractions allowed). */
    timers: Section({ supervisoryDuration: Sec(10), ringingDuration: Sec(30), connectionDuration: Sec(10) }),
    progressURLEndpoint: Type.String({ default: '/websocket', pattern: '^/' }),
    callUrls: Section({
      /** Bytes of a call token. */
      tokenSize: Int(8, 4, 64),
      /** Hours; default and largest call-URL lifetime. */
      timeout: Int(720),
      maxTimeout: Int(720),
      webAppUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
      allowCreate: Bool(true),
    }),
    calls: Section({ maxSubjectSize: Int(124) }),
    rooms: Section({
      /** Hours. */
      defaultTTL: Int(1344),
      maxTTL: Int(1344),
      extendTTL: Int(1344),
      /** Seconds (fractions allowed). */
      participantTTL: Sec(300),
      /** Seconds a deleted-room notice lives. */
      deletedTTL: Sec(1620),
      maxSize: Int(5),
      maxRoomNameSize: Int(100),
      maxRoomOwnerSize: Int(255),
      tokenSize: Int(8, 4, 64),
      webAppUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
    }),
    /** CORS of the Loop surface; "*" allows every origin. */
    allowedOrigins: Type.Array(Type.String({ minLength: 1 }), { default: ['http://localhost:3000'] }),
    /** Seconds, sent as Retry-After on 503 and 429. */
    retryAfter: Int(30, 0),
    pushServerURIs: Type.Array(Type.String({ minLength: 1 }), { default: ['wss://push.services.mozilla.com/'], minItems: 1 }),
    displayVersion: Bool(true),
    i18n: Section({ defaultLang: Str('en-US') }),
    /** Milliseconds per dependency check of /__heartbeat__. */
    heartbeatTimeout: Int(2000),
    heartbeat: Section({ checkPushServers: Bool(false) }),
    /** Media provider (§14.1): the external services' own schema (times in ms/s by name). */
    tokBox: TokBoxOptionsSchema,
    /** `browserid`: off | fake | remote (§14.2); `verifierTimeoutMs` is ours. */
    identity: Section({
      browserid: Lit(['off', 'fake', 'remote'] as const, 'off'),
      verifierTimeoutMs: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 60_000 })),
    }),
    fxaOAuth: FxaOAuthOptionsSchema,
    analytics: Section({ mode: Lit(['off', 'log'] as const, 'off') }),
    fxaAudiences: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
    fxaVerifier: Url('https://verifier.accounts.firefox.com/v2'),
    fxaTrustedIssuers: Type.Array(Type.String({ minLength: 1 }), { default: ['api.accounts.firefox.com'] }),
    /** Push wake-ups (§11): `timeoutMs`, `maxConcurrency`, `maxQueued`. Ours. */
    push: PushOptionsSchema,
    /** Seconds a call-progress WebSocket may stay silent without a `hello`; an echo starts them again (ours; fractions allowed). */
    progressHelloTimeout: Type.Number({
      default: 5, exclusiveMinimum: 0, maximum: 3600,
      description: 'Seconds a /websocket socket may stay open before its first hello, counted again from each echo; then it gets an error frame and close 4408.',
    }),
    /** Seconds a call-progress socket counts as present without its node renewing it (ours; fractions allowed). */
    progressSocketLease: Type.Number({
      default: 15, exclusiveMinimum: 0, maximum: 3600,
      description: 'Seconds a /websocket socket counts as open without its node renewing it (every third of this). When a node dies, its sockets count as closed this long after (plus at most 1 s), so the other party gets terminated/closed.',
    }),
    /** Abuse caps (ours): input sizes at the edge and entry budgets of the Loop store. */
    limits: Section({
      sessions: Described(Int(1_000_000), 'Sessions that have authenticated a request; never evicted: past the cap a new session simply stays in the never-used budget.'),
      unusedSessions: Described(Int(100_000), 'Sessions minted but never used for an authenticated request; past this budget the oldest never-used session is evicted (used sessions never are).'),
      callUrls: Described(Int(200_000), 'Call URLs in the whole store.'),
      callUrlsPerUser: Described(Int(1_000), 'Live call URLs per user; POST /call-url beyond it answers 403 errno 999 (nothing is evicted).'),
      callUrlTextSize: Described(Int(1_024), 'Longest callerId, issuer or subject of a call URL, in UTF-16 code units; longer answers 400 errno 107.'),
      calls: Described(Int(100_000), 'Live calls in the whole store; past it POST /calls and POST /calls/{token} answer 503 errno 201 (nothing is evicted).'),
      callsPerUser: Described(Int(100), 'Live calls in one callee\'s list; POST /calls/{token} to a full list answers 503 errno 201, POST /calls skips full callees.'),
      nonces: Described(Int(4_000_000), 'Hawk nonces remembered for the replay window (2 minutes; about 35 bytes each); never evicted early: when full, signed requests answer 503 errno 201 with Retry-After. The default sustains about 33,000 signed requests/s.'),
      roomsPerOwner: Described(Int(100), 'Live rooms per owner; POST /rooms beyond it answers 403 errno 999.'),
      roomContextBytes: Described(Int(102_400), 'Largest room context, in bytes of its JSON; larger answers 400 errno 107. The default is what the 100 KiB body limit let the original store.'),
      displayNameSize: Described(Int(255), 'Longest room participant displayName, in UTF-16 code units; longer answers 400 errno 107.'),
      jsonDepth: Described(Int(32, 2, 1000), 'Deepest nesting of arrays and objects in a Loop request body or /websocket frame; deeper answers 400 errno 107 (HTTP) or "Malformed message." (WebSocket).'),
    }),
  },
  { additionalProperties: false },
);

export type LoopSettingsInput = Static<typeof LoopSettingsSchema>;

/** The validated loop section: secrets always set, and the external services' options assembled. */
export type LoopConfig = Readonly<
  LoopSettingsInput & { hawkIdSecret: string; userMacSecret: string; external: ExternalServicesOptions }
>;

export const LOOP_KEYS: ReadonlySet<string> = new Set(Object.keys(LoopSettingsSchema.properties));

/** Checks relations between settings; returns [setting, problem] or null. */
export function loopConsistency(c: LoopConfig): [string, string] | null {
  const t = c.timers;
  if (c.callDuration < t.supervisoryDuration + t.ringingDuration + t.connectionDuration) {
    return ['callDuration', 'must be at least timers.supervisoryDuration + ringingDuration + connectionDuration'];
  }
  if (c.hawkSessionDuration < c.callUrls.maxTimeout * 3600) {
    return ['hawkSessionDuration', 'must be at least callUrls.maxTimeout hours'];
  }
  if (c.callUrls.timeout > c.callUrls.maxTimeout) return ['callUrls.timeout', 'must not exceed callUrls.maxTimeout'];
  if (c.rooms.defaultTTL > c.rooms.maxTTL) return ['rooms.defaultTTL', 'must not exceed rooms.maxTTL'];
  if (c.allowedOrigins.includes('*') && c.allowedOrigins.length > 1) {
    return ['allowedOrigins', '"*" cannot be combined with other origins'];
  }
  return null;
}

/**
 * Fills the secrets the file leaves unset (from `derived`, given when
 * SHARED_SECRET is set; else random per process, as the spec allows), and
 * assembles the external services' options from their §15 settings.
 */
export function withSecrets(input: LoopSettingsInput, derived?: { hawkIdSecret: string; userMacSecret: string }): LoopConfig {
  const { browserid, verifierTimeoutMs } = input.identity;
  const browserId = { browserid, fxaAudiences: input.fxaAudiences, fxaVerifier: input.fxaVerifier, fxaTrustedIssuers: input.fxaTrustedIssuers, ...(verifierTimeoutMs !== undefined ? { verifierTimeoutMs } : {}) };
  return {
    ...input,
    external: parseExternalServicesOptions({ tokBox: input.tokBox, browserId, fxaOAuth: input.fxaOAuth, push: input.push }),
    hawkIdSecret: input.hawkIdSecret ?? derived?.hawkIdSecret ?? randomBytes(16).toString('hex'),
    userMacSecret: input.userMacSecret ?? derived?.userMacSecret ?? randomBytes(16).toString('hex'),
  };
}
