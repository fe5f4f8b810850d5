import type { CallUrlRecord } from '../../store/loop.ts';
import { field, parseIntLoose } from '../body.ts';
import type { LoopContext } from '../context.ts';
import { isLoopError, loopErrors, type LoopError } from '../errors.ts';
import type { Exchange } from '../exchange.ts';
import { newUrlToken } from '../credentials.ts';
import type { LoopRouter } from '../router.ts';
import { hawkSession, negotiated } from './guards.ts';

/** §6.1 `expiresIn` (hours): default `callUrls.timeout`, at most `callUrls.maxTimeout`. */
function expiresInHours(ex: Exchange, def: number, max: number): number | LoopError {
  const raw = field(ex.body, 'expiresIn');
  if (raw === undefined) return def;
  const hours = parseIntLoose(raw);
  // The original failed with a 503 on 0 or less; §6.1 asks for this 400 instead.
  if (Number.isNaN(hours) || hours <= 0) return loopErrors.invalid('expiresIn should be a valid number');
  if (hours > max) return loopErrors.invalid(`expiresIn should be less than ${max}`);
  return hours;
}

/**
 * Optional string fields: absent/null → undefined; another type → 400 errno
 * 107 (the original crashed); longer than `maxLength` (ours,
 * `limits.callUrlTextSize`, which bounds GET /call-url) → 400 errno 107.
 */
function optionalStrings(ex: Exchange, names: readonly string[], maxLength: number): Record<string, string | undefined> | LoopError {
  const out: Record<string, string | undefined> = {};
  for (const name of names) {
    const v = field(ex.body, name);
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') return loopErrors.invalid(`${name} should be a string`);
    if (v.length > maxLength) return loopErrors.invalid(`${name} should be shorter than ${maxLength} characters`);
    out[name] = v;
  }
  return out;
}

/** The stored record as GET /call-url lists it: no owner key, absent fields omitted. */
function listed(r: CallUrlRecord): Record<string, unknown> {
  return {
    ...(r.callerId !== undefined ? { callerId: r.callerId } : {}),
    issuer: r.issuer,
    ...(r.subject !== undefined ? { subject: r.subject } : {}),
    timestamp: r.timestamp,
    expires: r.expires,
  };
}

/** §6: call URLs. */
export function registerCallUrlRoutes(
  router: LoopRouter,
  ctx: Pick<LoopContext, 'store' | 'hawk' | 'urls'> & { readonly config: Pick<LoopContext['config'], 'callUrls' | 'limits'> },
  nowMs: () => number,
): void {
  const { store, config } = ctx;
  const { timeout, maxTimeout, tokenSize, allowCreate } = config.callUrls;
  const { callUrlsPerUser, callUrlTextSize } = config.limits;
  /** Ours (`limits.callUrlsPerUser`): the oldest call URLs are not evicted to make room. */
  const tooMany = () => loopErrors.quota(`Too many call URLs: a user may have at most ${callUrlsPerUser}.`);
  const urlOf = (token: string) => ctx.urls.callUrl(token);
  const ttlMs = (expires: number) => expires * 1000 - nowMs();

  router.add('POST', '/call-url', {
    body: true,
    async handler(ex) {
      if (!allowCreate) return ex.fail(loopErrors.noLongerSupported()); // §6.2: 0.18+ behaviour, whatever the request
      const session = await hawkSession(ctx, ex);
      if (!session || !negotiated(ex, ['callerId'])) return;
      const hours = expiresInHours(ex, timeout, maxTimeout);
      if (isLoopError(hours)) return ex.fail(hours);
      const fields = optionalStrings(ex, ['callerId', 'issuer', 'subject'], callUrlTextSize);
      if (isLoopError(fields)) return ex.fail(fields);
      const user = session.record.userKey;
      const now = ex.nowSec();
      const token = newUrlToken(tokenSize);
      const record: CallUrlRecord = {
        token,
        userKey: user,
        ...(fields.callerId !== undefined ? { callerId: fields.callerId } : {}),
        issuer: fields.issuer || session.record.identity || '',
        ...(fields.subject !== undefined ? { subject: fields.subject } : {}),
        timestamp: now,
        expires: now + hours * 3600,
      };
      if (!(await store.putCallUrl(record, ttlMs(record.expires), callUrlsPerUser))) return ex.fail(tooMany());
      const callUrl = urlOf(token);
      ex.json(200, { callUrl, callToken: token, call_url: callUrl, expiresAt: record.expires });
    },
  });

  router.add('GET', '/call-url', {
    async handler(ex) {
      const session = await hawkSession(ctx, ex);
      if (!session) return;
      const records = await store.listCallUrls(session.record.userKey);
      records.sort((a, b) => a.timestamp - b.timestamp);
      ex.json(200, records.map(listed));
    },
  });

  router.add('PUT', '/call-url/{token}', {
    body: true,
    async handler(ex) {
      const session = await hawkSession(ctx, ex);
      if (!session) return;
      const current = await store.getCallUrl(ex.params[0]);
      if (!current) return ex.fail(loopErrors.tokenNotFound());
      const hours = expiresInHours(ex, timeout, maxTimeout);
      if (isLoopError(hours)) return ex.fail(hours);
      if (current.userKey !== session.record.userKey) return ex.fail(loopErrors.callUrlNotOwned());
      const fields = optionalStrings(ex, ['callerId', 'issuer', 'subject'], callUrlTextSize);
      if (isLoopError(fields)) return ex.fail(fields);
      const now = ex.nowSec();
      // §6 quirk, reproduced: the fields are replaced, not merged.
      const record: CallUrlRecord = {
        token: current.token,
        userKey: current.userKey,
        ...(fields.callerId !== undefined ? { callerId: fields.callerId } : {}),
        issuer: fields.issuer ?? '',
        ...(fields.subject !== undefined ? { subject: fields.subject } : {}),
        timestamp: now,
        expires: now + hours * 3600,
      };
      await store.putCallUrl(record, ttlMs(record.expires));
      ex.json(200, { expiresAt: record.expires });
    },
  });

  router.add('DELETE', '/call-url/{token}', {
    async handler(ex) {
      const session = await hawkSession(ctx, ex);
      if (!session) return;
      const current = await store.getCallUrl(ex.params[0]);
      if (!current) return ex.fail(loopErrors.tokenNotFound());
      if (current.userKey !== session.record.userKey) return ex.fail(loopErrors.forbidden());
      await store.deleteCallUrl(current.token);
      ex.empty(204);
    },
  });
}
