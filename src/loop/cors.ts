import type { HeaderList } from '../http/reply.ts';

const NONE: HeaderList = [];
const METHODS = 'GET,HEAD,PUT,PATCH,POST,DELETE';

/**
 * §2.4: CORS of the Loop surface, with its own `allowedOrigins`. An allowed
 * Origin is reflected (never `*`) with `Vary: Origin`; others get nothing.
 */
export class LoopCors {
  readonly #any: boolean;
  readonly #allowed: Set<string>;
  readonly #byOrigin = new Map<string, HeaderList>();

  constructor(allowedOrigins: readonly string[]) {
    this.#any = allowedOrigins.includes('*');
    this.#allowed = new Set(allowedOrigins);
  }

  allows(origin: string): boolean {
    return origin !== '' && (this.#any || this.#allowed.has(origin));
  }

  /** Headers for an ordinary response ('' origin: none). */
  headers(origin: string): HeaderList {
    if (!this.allows(origin)) return NONE;
    let list = this.#byOrigin.get(origin);
    if (list === undefined) {
      list = [['Access-Control-Allow-Origin', origin], ['Vary', 'Origin']];
      if (this.#byOrigin.size < 1000) this.#byOrigin.set(origin, list);
    }
    return list;
  }

  /** Headers of the 204 preflight answer; only for an allowed origin. */
  preflight(origin: string, requestHeaders: string): HeaderList {
    const list: (readonly [string, string])[] = [...this.headers(origin), ['Access-Control-Allow-Methods', METHODS]];
    if (requestHeaders !== '') list.push(['Access-Control-Allow-Headers', requestHeaders]);
    return list;
  }
}
