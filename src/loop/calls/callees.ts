/**
 * §7.3 step 5: the identities a calleeId names (a string or an array of
 * strings and `{phoneNumber, mcc}` objects), lower-cased; unusable elements
 * are ignored. Without a phone library only `+` numbers are kept (§14.4).
 */
export function calleeIdentities(calleeId: unknown): string[] {
  const out: string[] = [];
  for (const item of Array.isArray(calleeId) ? calleeId : [calleeId]) {
    if (typeof item === 'string') {
      if (item !== '') out.push(item.toLowerCase());
    } else if (item && typeof item === 'object' && typeof (item as { phoneNumber?: unknown }).phoneNumber === 'string') {
      const number = (item as { phoneNumber: string }).phoneNumber.trim();
      if (!number.startsWith('+')) continue;
      const digits = number.slice(1).replace(/[\s().-]/g, '');
      if (/^\d{3,15}$/.test(digits)) out.push(`+${digits}`);
    }
  }
  return out;
}
