/**
 * The wait a GET asks for, in ms: from `?wait=N` (a malformed value is the
 * caller's error) or else from `Prefer: wait=N` (RFC 7240: a preference the
 * server does not understand is ignored). undefined when none is asked.
 * Any number of digits: a wait longer than MAX_WAIT is capped, however long
 * (a number past what a double holds reads as Infinity, capped the same).
 */
export function requestedWaitMs(query: string, prefer: string): number | undefined | 'invalid' {
  if (query !== '') {
    const raw = new URLSearchParams(query).get('wait');
    if (raw !== null) return /^\d+$/.test(raw) ? Number(raw) * 1000 : 'invalid';
  }
  if (prefer !== '') {
    const m = /(?:^|[,;\s])wait\s*=\s*"?(\d+)"?\s*(?:$|[,;])/i.exec(prefer);
    if (m) return Number(m[1]) * 1000;
  }
  return undefined;
}

/**
 * A query parameter decoded the way an inbox name needs it: percent-escapes
 * are decoded, but '+' stays '+' (base64 names use it; a space is never valid
 * in a name anyway). null when absent; false for a malformed escape.
 */
export function nameParam(query: string, key: string): string | null | false {
  // Scanned in place (no split): the first `key` or `key=…` among the &-separated parts.
  for (let start = 0; start <= query.length; ) {
    let end = query.indexOf('&', start);
    if (end < 0) end = query.length;
    if (query.startsWith(key, start)) {
      const after = start + key.length;
      if (after === end) return '';
      if (query.charCodeAt(after) === 0x3d /* = */) {
        const v = query.slice(after + 1, end);
        if (v.indexOf('%') < 0) return v; // nothing to decode
        try {
          return decodeURIComponent(v);
        } catch {
          return false;
        }
      }
    }
    start = end + 1;
  }
  return null;
}
