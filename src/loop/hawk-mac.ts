import { timingSafeEqual } from 'node:crypto';
import { hmacSha256 } from '../crypto/hmac.ts';

/**
 * The Hawk header MAC path written out for the common case (a well-formed
 * header that verifies), at a fraction of the `hawk` package's cost. Every
 * function here answers null for anything unusual, and the caller then
 * hands the request to the `hawk` package, which stays the authority on
 * errors and edge cases: this file may only accept a subset of what it
 * accepts, computing the same MACs.
 */

/** Attributes of a Hawk Authorization header, as `hawk`'s parseAuthorizationHeader gives them. */
export interface HawkHeader {
  readonly id: string;
  readonly ts: string;
  readonly nonce: string;
  readonly mac: string;
  readonly hash?: string;
  readonly ext?: string;
}

/** What a MAC covers (hawk's "artifacts"). */
export interface MacInput {
  readonly method: string;
  readonly resource: string;
  readonly host: string;
  readonly port: number | string;
  readonly ts: string;
  readonly nonce: string;
  readonly hash?: string;
  readonly ext?: string;
  readonly app?: string;
  readonly dlg?: string;
}

/** hawk's maxMatchLength. */
const MAX_HEADER = 4096;

/**
 * hawk's attribute value characters: space, A-Z a-z 0-9 _ and
 * !#$%&'()*+,-./:;<=>?@[]^`{|}~ (no '"', no '\\').
 */
const VALUE_CHAR = (() => {
  const ok = new Uint8Array(128);
  for (const c of " !#$%&'()*+,-./:;<=>?@[]^_`{|}~") ok[c.charCodeAt(0)] = 1;
  for (let c = 48; c <= 57; c++) ok[c] = 1;
  for (let c = 65; c <= 90; c++) ok[c] = 1;
  for (let c = 97; c <= 122; c++) ok[c] = 1;
  return ok;
})();

/** An attribute value as a regular expression: one or more of VALUE_CHAR (each as \xNN). */
const VALUE = `[${[...VALUE_CHAR].flatMap((ok, c) => (ok ? [`\\x${c.toString(16).padStart(2, '0')}`] : [])).join('')}]+`;
/**
 * The header as hawk's client writes it (id, ts, nonce, [hash], [ext], mac,
 * separated by a comma and spaces): one regular expression, about a third of
 * the cost of the general parse below, which decides everything else (other
 * orders, spaces before a comma, and what it refuses). It accepts nothing the
 * general parse would refuse.
 */
const CANONICAL = new RegExp(
  `^[Hh][Aa][Ww][Kk] +id="(${VALUE})", *ts="(${VALUE})", *nonce="(${VALUE})"(?:, *hash="(${VALUE})")?(?:, *ext="(${VALUE})")?, *mac="(${VALUE})"$`,
);

/**
 * Index of the attribute name spanning header[at, end) among those the fast
 * path reads (0 id, 1 ts, 2 nonce, 3 mac, 4 hash, 5 ext), or -1; no
 * substring is made.
 */
function nameIndex(header: string, at: number, end: number): number {
  switch (end - at) {
    case 2:
      return header.startsWith('id', at) ? 0 : header.startsWith('ts', at) ? 1 : -1;
    case 3:
      return header.startsWith('mac', at) ? 3 : header.startsWith('ext', at) ? 5 : -1;
    case 4:
      return header.startsWith('hash', at) ? 4 : -1;
    case 5:
      return header.startsWith('nonce', at) ? 2 : -1;
    default:
      return -1;
  }
}

/**
 * Parses `Hawk id="…", ts="…", nonce="…", mac="…"[, hash="…"][, ext="…"]`
 * (attributes in any order, separated by a comma and optional spaces).
 * null for anything else: other schemes, app/dlg, unknown or repeated
 * attributes, empty or odd values, tabs, a trailing comma, a missing
 * required attribute. Runs on every Hawk request: the order hawk's client
 * writes is read by one regular expression, any other by parseAnyOrder.
 */
export function parseHawkHeader(header: string): HawkHeader | null {
  if (header.length > MAX_HEADER || header.length < 6) return null;
  const canonical = CANONICAL.exec(header);
  if (canonical === null) return parseAnyOrder(header);
  const [, id, ts, nonce, hash, ext, mac] = canonical;
  return headerOf(id, ts, nonce, mac, hash, ext);
}

/** Only the attributes present, as hawk's parser gives them. */
function headerOf(id: string, ts: string, nonce: string, mac: string, hash: string | undefined, ext: string | undefined): HawkHeader {
  const out: { -readonly [K in keyof HawkHeader]: HawkHeader[K] } = { id, ts, nonce, mac };
  if (hash !== undefined) out.hash = hash;
  if (ext !== undefined) out.ext = ext;
  return out;
}

/**
 * parseHawkHeader without the canonical-order shortcut: the general parse,
 * which matches names in place and keeps values in one fixed-size array
 * (exported for its tests).
 */
export function parseAnyOrder(header: string): HawkHeader | null {
  if (header.length > MAX_HEADER || header.length < 6) return null;
  const c0 = header.charCodeAt(0) | 32;
  if (c0 !== 104 || (header.charCodeAt(1) | 32) !== 97 || (header.charCodeAt(2) | 32) !== 119 || (header.charCodeAt(3) | 32) !== 107) return null;
  let at = 4;
  if (header.charCodeAt(at) !== 32) return null;
  while (header.charCodeAt(at) === 32) at++;
  const values: (string | undefined)[] = [undefined, undefined, undefined, undefined, undefined, undefined];
  for (;;) {
    const eq = header.indexOf('="', at);
    if (eq < 0) return null;
    const name = nameIndex(header, at, eq);
    if (name < 0 || values[name] !== undefined) return null;
    const start = eq + 2;
    const end = header.indexOf('"', start);
    if (end <= start) return null;
    for (let i = start; i < end; i++) {
      const c = header.charCodeAt(i);
      if (c >= 128 || VALUE_CHAR[c] === 0) return null;
    }
    values[name] = header.slice(start, end);
    at = end + 1;
    while (header.charCodeAt(at) === 32) at++;
    if (at === header.length) break;
    if (header.charCodeAt(at) !== 44) return null; // ','
    at++;
    while (header.charCodeAt(at) === 32) at++;
  }
  const [id, ts, nonce, mac, hash, ext] = values;
  if (id === undefined || ts === undefined || nonce === undefined || mac === undefined) return null;
  return headerOf(id, ts, nonce, mac, hash, ext);
}

/**
 * hawk's calculateMac: HMAC-SHA256 keyed with the key string's bytes over
 * the normalized string of `type` ('response' as server.header computes it:
 * without hash and ext). null when the resource does not start with '/'
 * (hawk would re-parse it as a URL first).
 */
export function hawkMac(type: 'header' | 'response', key: string, m: MacInput): string | null {
  if (m.resource.charCodeAt(0) !== 47) return null;
  // A response MAC covers neither the request's hash nor its ext (server.header drops both).
  const request = type === 'header';
  let normalized = `hawk.1.${type}\n${m.ts}\n${m.nonce}\n${m.method.toUpperCase()}\n${m.resource}\n${m.host.toLowerCase()}\n${m.port}\n${(request && m.hash) || ''}\n`;
  // hawk escapes '\\' and newlines in ext; neither can pass its attribute check, so ext goes in as is.
  if (request && m.ext) normalized += m.ext;
  normalized += '\n';
  if (m.app) normalized += `${m.app}\n${m.dlg || ''}\n`;
  return hmacSha256(key, normalized, 'base64');
}

/**
 * hawk's fixedTimeComparison of two MACs: timingSafeEqual of their UTF-8
 * bytes. For ASCII strings (a base64 MAC, and every header value the fast
 * path lets through) equal bytes are equal chars, compared in JavaScript
 * without copies; anything else as hawk does.
 */
export function sameMac(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  let all = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    diff |= x ^ y;
    all |= x | y;
  }
  if (all < 128) return diff === 0;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * hawk's server.header(credentials, artifacts) with no options: the
 * response MAC (no hash, no ext; app and dlg kept). null when hawkMac is.
 */
export function serverAuthorization(key: string, artifacts: MacInput): string | null {
  const mac = hawkMac('response', key, artifacts);
  return mac === null ? null : `Hawk mac="${mac}"`;
}
