/**
 * Constant-time comparison of two strings of equal length (digests, MACs):
 * every char is visited whatever differs, and no branch depends on them. The
 * same guarantee as timingSafeEqual without the copies into native memory
 * it needs. The length is not hidden: callers compare values of a public,
 * fixed length.
 */
export function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
