import sjson from 'secure-json-parse';
import { loopErrors, type LoopError } from './errors.ts';
import { jsonBytesTooDeep } from './json-depth.ts';

/** §2.2: largest accepted body, JSON or form. */
export const MAX_BODY_BYTES = 102_400;

/** Default deepest nesting of a JSON body (`limits.jsonDepth`). */
export const DEFAULT_MAX_JSON_DEPTH = 32;

/** A parsed request body: a JSON object (or array), or a flat form. Absent and ignored bodies are `{}`. */
export type LoopBody = Record<string, unknown>;

const EMPTY: LoopBody = Object.freeze({}) as LoopBody;
const decoder = new TextDecoder('utf-8', { fatal: false });

/** The media type of a Content-Type value, lower-cased, without parameters. */
export function mediaType(contentType: string): string {
  const semi = contentType.indexOf(';');
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

/** Whether a body of this Content-Type is read at all (§2.2: other types are ignored). */
export function isParsedType(contentType: string): boolean {
  const type = mediaType(contentType);
  return type === 'application/json' || type === 'application/x-www-form-urlencoded';
}

/**
 * Whether secure-json-parse has anything to remove: its checks match only a
 * key spelled `__proto__` or `constructor`, literally or with \u escapes
 * (a backslash), or text after a BOM. Other bodies skip its two regex scans.
 */
function mayNameProtoKeys(text: string): boolean {
  return text.includes('\\') || text.includes('__proto__') || text.includes('constructor') || text.charCodeAt(0) === 0xfeff;
}

/**
 * §2.2: JSON (object or array at the top) or urlencoded form into a flat
 * object of strings; anything else counts as `{}`. An array body is returned
 * as is (endpoints then find none of their keys in it). JSON nested deeper
 * than `maxDepth` is refused before parsing (400 errno 107): nothing
 * downstream (validation, storage, JSON.stringify of a view) then recurses
 * deeply on a client's data.
 */
export function parseBody(contentType: string, bytes: Uint8Array, maxDepth = DEFAULT_MAX_JSON_DEPTH): LoopBody | LoopError {
  const type = mediaType(contentType);
  if (bytes.byteLength === 0) return EMPTY;
  if (type === 'application/json') {
    if (jsonBytesTooDeep(bytes, maxDepth)) return loopErrors.tooDeep(maxDepth);
    let value: unknown;
    try {
      // Prototype-poisoning keys are dropped rather than refused, like a lenient body-parser.
      const text = decoder.decode(bytes);
      value = mayNameProtoKeys(text) ? sjson.parse(text, undefined, { protoAction: 'remove', constructorAction: 'remove' }) : JSON.parse(text);
    } catch {
      return loopErrors.badJson();
    }
    if (value === null || typeof value !== 'object') return loopErrors.badJson();
    return value as LoopBody;
  }
  if (type === 'application/x-www-form-urlencoded') {
    const out: LoopBody = Object.create(null);
    for (const [k, v] of new URLSearchParams(decoder.decode(bytes))) out[k] = v;
    return out;
  }
  return EMPTY;
}

/** §0 "parse as integer": JavaScript parseInt(String(v), 10); NaN when no leading digits. */
export function parseIntLoose(value: unknown): number {
  return parseInt(jsString(value), 10);
}

/**
 * String(v) for a parsed JSON value, without calling anything the client sent:
 * an object with its own "toString" or "valueOf" key would make String() throw.
 * Arrays join like Array.prototype.toString; any other object reads as a plain one.
 */
function jsString(value: unknown): string {
  if (Array.isArray(value)) return value.map((e) => (e === null || e === undefined ? '' : jsString(e))).join(',');
  if (value !== null && typeof value === 'object') return '[object Object]';
  return String(value);
}

/** Own, non-undefined value of a body key (an array body has none of the named keys). */
export function field(body: LoopBody, name: string): unknown {
  if (Array.isArray(body) || !Object.prototype.hasOwnProperty.call(body, name)) return undefined;
  return body[name];
}

/** §2.2: the required keys that are absent or undefined (`null` counts as present), in the given order. */
export function missingFields(body: LoopBody, names: readonly string[]): string[] {
  const out: string[] = [];
  for (const name of names) if (field(body, name) === undefined) out.push(name);
  return out;
}

const JSON_RANGES = new Set(['application/json', 'application/*', '*/*']);
const acceptCache = new Map<string, boolean>();

/**
 * §2.2 negotiation: no Accept header, or one admitting application/json
 * (directly, `application/*` or `*\/*`, with a q above 0). Results are cached
 * per header value: clients send a handful of distinct values.
 */
export function acceptsJson(accept: string): boolean {
  if (accept === '') return true;
  let ok = acceptCache.get(accept);
  if (ok !== undefined) return ok;
  ok = false;
  for (const part of accept.split(',')) {
    const [range, ...params] = part.split(';');
    if (!JSON_RANGES.has(range.trim().toLowerCase())) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (q === undefined || Number(q.slice(2)) > 0) {
      ok = true;
      break;
    }
  }
  if (acceptCache.size < 1000) acceptCache.set(accept, ok);
  return ok;
}
