import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ConfigError } from '../config-error.ts';
import type { TurnSettings } from './credentials.ts';

const DEFAULT_TTL_SEC = 86400;
const Url = Type.String({ pattern: '^(turns?|stuns?):[^\\s,]+$' });
const Ttl = Type.Integer({ minimum: 60, maximum: 7 * 86400 });

/**
 * Reads TURN_SECRET, TURN_URLS (comma list) and TURN_TTL (seconds) from an
 * environment snapshot. undefined when TURN_SECRET is unset or empty (TURN
 * off); throws ConfigError on a bad value. Called by loadConfig only.
 */
export function turnSettingsFromEnv(env: Record<string, string | undefined>): TurnSettings | undefined {
  const secret = env.TURN_SECRET ?? '';
  if (secret === '') return undefined;
  const urls = (env.TURN_URLS ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (urls.length === 0) throw new ConfigError('TURN_URLS', 'needs at least one turn: or turns: URI when TURN_SECRET is set');
  const badUrl = urls.find((u) => !Value.Check(Url, u));
  if (badUrl !== undefined) throw new ConfigError('TURN_URLS', `${JSON.stringify(badUrl)} is not a turn:, turns:, stun: or stuns: URI`);
  const rawTtl = (env.TURN_TTL ?? '').trim();
  const ttlSec = rawTtl === '' ? DEFAULT_TTL_SEC : /^\d+$/.test(rawTtl) ? Number(rawTtl) : NaN;
  if (!Value.Check(Ttl, ttlSec)) throw new ConfigError('TURN_TTL', `${JSON.stringify(rawTtl)}: a whole number of seconds from 60 to 604800`);
  return Object.freeze({ secret, urls: Object.freeze(urls), ttlSec });
}
