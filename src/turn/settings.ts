import { ConfigError } from '../config-error.ts';
import type { TurnSettings } from './credentials.ts';

/**
 * TURN from its three settings (already checked one by one by the config
 * schema): undefined when the secret is empty (TURN off); a secret without
 * URLs stops start-up. Called by loadConfig.
 */
export function turnSettingsFrom(raw: { secret: string; urls: readonly string[]; ttlSec: number }): TurnSettings | undefined {
  if (raw.secret === '') return undefined;
  if (raw.urls.length === 0) throw new ConfigError('TURN_URLS', 'needs at least one turn: or turns: URI when TURN_SECRET is set');
  return Object.freeze({ secret: raw.secret, urls: Object.freeze([...raw.urls]), ttlSec: raw.ttlSec });
}
