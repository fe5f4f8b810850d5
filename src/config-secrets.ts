/**
 * The one list of secret settings. Whatever is printed or logged about the
 * configuration goes through hideSecrets, which replaces the value of any of
 * these keys, at any depth, with "(hidden)". A setting marked `secret` in
 * src/config.ts is hidden by its env name as well.
 */
export const SECRET_KEYS: ReadonlySet<string> = new Set([
  'TURN_SECRET', // coturn static-auth-secret
  'SHARED_SECRET', // deployment-wide key material (scale-out)
  'REDIS_SENTINEL_PASSWORD', // the Redis Sentinels' requirepass
  'redisSentinelPassword', // the same, as held in memory
  'hawkIdSecret', // Loop: encrypts Hawk ids at rest
  'userMacSecret', // Loop: HMAC key of user identities
  'client_secret', // Loop: fxaOAuth.client_secret
  'apiSecret', // Loop: tokBox.credentials.<channel>.apiSecret
  'fakeApiSecret', // Loop: tokBox.fakeApiSecret
  'secret', // TURN settings as held in memory
]);

export const HIDDEN = '(hidden)';

export const isSecretKey = (key: string): boolean => SECRET_KEYS.has(key);

/** A deep copy of `value` with every secret key's value (when set) replaced by "(hidden)". */
export function hideSecrets(value: unknown, secret: (key: string) => boolean = isSecretKey): unknown {
  if (Array.isArray(value)) return value.map((v) => hideSecrets(v, secret));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = secret(k) && v !== undefined && v !== '' ? HIDDEN : hideSecrets(v, secret);
  }
  return out;
}

/** The URL with its password replaced by "(hidden)", for what is printed and logged. */
export function redactedUrl(text: string): string {
  try {
    const url = new URL(text);
    if (!url.password) return text;
    url.password = HIDDEN;
    return url.toString();
  } catch {
    // Not a URL: hide whatever stands between the first ':' after '//' and the last '@' (a password may hold '/' or '@').
    const start = text.indexOf('//') + 2;
    const at = text.lastIndexOf('@');
    const colon = text.indexOf(':', start);
    return start >= 2 && colon >= 0 && colon < at ? `${text.slice(0, colon)}:${HIDDEN}${text.slice(at)}` : text;
  }
}
