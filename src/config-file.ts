import { readFileSync } from 'node:fs';
import { ConfigError } from './config-error.ts';

export const CONFIG_FLAG = '--config';
export const CONFIG_ENV = 'SIGNALBOX_CONFIG';

/**
 * Reads the JSON config file: an object whose keys are the camelCase
 * settings (in the units their env variables use), `ip` (same as `host`),
 * and the Loop settings under their names (dotted = nested). An unknown key
 * is an error, so a typo never goes unnoticed.
 */
export function readConfigFile(path: string | undefined, knownKeys: readonly string[]): Record<string, unknown> {
  if (path === undefined || path === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(CONFIG_ENV, `cannot read ${path}: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(CONFIG_ENV, `must name a file that holds a JSON object (${path} does not)`);
  }
  const known = new Set(knownKeys);
  for (const key of Object.keys(parsed)) {
    if (!known.has(key)) throw new ConfigError(key, `is an unknown key in ${path}; see --help for the list`);
  }
  return parsed as Record<string, unknown>;
}
