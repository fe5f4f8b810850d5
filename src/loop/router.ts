import type { Exchange } from './exchange.ts';

export type LoopHandler = (ex: Exchange) => void | Promise<void>;

export interface Endpoint {
  readonly handler: LoopHandler;
  /** Read and parse the request body (§2.2) before the handler runs. */
  readonly body?: boolean;
}

/** An endpoint as stored: with its metrics label. */
export interface Route extends Endpoint {
  readonly label: string;
}

export type Resolution =
  | { readonly kind: 'endpoint'; readonly endpoint: Route; readonly params: readonly string[] }
  /** The path exists, not with this method: `allow` lists its methods. */
  | { readonly kind: 'methods'; readonly allow: string; readonly prefixed: boolean }
  | { readonly kind: 'none'; readonly prefixed: boolean };

type Methods = Map<string, Route>;

/**
 * The Loop router (§2.1): paths are served at `<path>` and `/v1<path>`,
 * matched case-insensitively with one trailing slash tolerated; a `{token}`
 * segment is any one non-empty segment, URL-decoded, its case kept. Lookups
 * are two Map reads: no regular expression runs per request.
 */
export class LoopRouter {
  readonly #static = new Map<string, Methods>();
  /** '/calls' for '/calls/{token}'. */
  readonly #param = new Map<string, Methods>();

  /** `path` like '/rooms' or '/rooms/{token}'; `method` upper-case. */
  add(method: string, path: string, endpoint: Endpoint): this {
    const isParam = path.endsWith('/{token}');
    const key = (isParam ? path.slice(0, -'/{token}'.length) : path).toLowerCase();
    const table = isParam ? this.#param : this.#static;
    let methods = table.get(key);
    if (!methods) table.set(key, (methods = new Map()));
    if (methods.has(method)) throw new Error(`duplicate Loop route ${method} ${path}`);
    methods.set(method, { ...endpoint, label: `${method} ${path}` });
    return this;
  }

  resolve(method: string, rawPath: string): Resolution {
    const path = stripPrefix(rawPath);
    const prefixed = isV1(rawPath);
    if (path === null) return { kind: 'none', prefixed: true };
    let methods = this.#static.get(path.toLowerCase());
    let params: readonly string[] = [];
    if (!methods) {
      const slash = path.indexOf('/', 1);
      if (slash > 0 && slash < path.length - 1 && path.indexOf('/', slash + 1) < 0) {
        methods = this.#param.get(path.slice(0, slash).toLowerCase());
        const token = decode(path.slice(slash + 1));
        if (token === null) methods = undefined;
        else params = [token];
      }
    }
    if (!methods) return { kind: 'none', prefixed };
    const endpoint = methods.get(method) ?? (method === 'HEAD' ? methods.get('GET') : undefined);
    if (endpoint) return { kind: 'endpoint', endpoint, params };
    const allow = [...methods.keys()];
    if (methods.has('GET')) allow.push('HEAD');
    return { kind: 'methods', allow: allow.join(','), prefixed };
  }
}

function isV1(path: string): boolean {
  return path.length >= 3 && path.charCodeAt(0) === 47 && (path[1] === 'v' || path[1] === 'V') && path[2] === '1';
}

/** '/v1/x/' → '/x'; '/v1' → '/'; '/x' → '/x'; '/v1x' → null (a /v1 path that is no prefix). */
export function stripPrefix(raw: string): string | null {
  let path = raw;
  if (isV1(path)) {
    if (path.length === 3) return '/';
    if (path[3] !== '/') return null;
    path = path.slice(3);
  }
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  return path;
}

function decode(segment: string): string | null {
  if (segment.indexOf('%') < 0) return segment;
  try {
    const out = decodeURIComponent(segment);
    return out === '' ? null : out;
  } catch {
    return null;
  }
}
