import { constantHeaders, type HeaderList } from './reply.ts';

export interface CorsPolicy {
  readonly origins: readonly string[];
  readonly methods: string;
  readonly allowHeaders: string;
  readonly exposeHeaders: string;
  readonly maxAgeSec: number;
  /** Headers appended to every answer, after the CORS ones (e.g. Cache-Control). */
  readonly extra?: HeaderList;
}

/** The two header lists of one origin: ordinary answers and preflights. */
interface Lists {
  readonly headers: HeaderList;
  readonly preflight: HeaderList;
}

/**
 * Precomputes the CORS headers of one surface. `*` answers any origin with
 * `*`; a list echoes an allowed Origin (with Vary: Origin) and says nothing
 * to the others, so browsers refuse them. Every list is built once here (the
 * allowed origins are a fixed config list): a request allocates none.
 */
export class Cors {
  /** Set when the policy allows any origin. */
  readonly #any: Lists | null;
  readonly #byOrigin = new Map<string, Lists>();
  /** For a missing or refused origin. */
  readonly #refused: Lists;

  constructor(policy: CorsPolicy) {
    const extra = policy.extra ?? [];
    const common: HeaderList = [['Access-Control-Expose-Headers', policy.exposeHeaders]];
    const vary: HeaderList = [['Vary', 'Origin']];
    const preflight: HeaderList = [
      ['Access-Control-Allow-Methods', policy.methods],
      ['Access-Control-Allow-Headers', policy.allowHeaders],
      ['Access-Control-Max-Age', String(policy.maxAgeSec)],
    ];
    const lists = (cors: HeaderList): Lists => ({
      headers: constantHeaders([...cors, ...extra]),
      preflight: constantHeaders([...cors, ...preflight, ...extra]),
    });
    this.#any = policy.origins.includes('*') ? lists([['Access-Control-Allow-Origin', '*'], ...common]) : null;
    for (const origin of policy.origins) {
      this.#byOrigin.set(origin, lists([['Access-Control-Allow-Origin', origin], ...vary, ...common]));
    }
    this.#refused = lists(vary);
  }

  /**
   * The request headers a route must read for this policy: Origin, unless
   * any origin is allowed (the answer is then the same for all, and not
   * reading it is one call into uWS fewer per request).
   */
  get requestHeaders(): readonly string[] {
    return this.#any ? [] : ['origin'];
  }

  #lists(origin: string): Lists {
    if (this.#any) return this.#any;
    return (origin !== '' && this.#byOrigin.get(origin)) || this.#refused;
  }

  /** Headers for an ordinary response to a request from `origin` ('' when none). */
  headers(origin: string): HeaderList {
    return this.#lists(origin).headers;
  }

  /** Headers for a preflight (OPTIONS) answer. */
  preflight(origin: string): HeaderList {
    return this.#lists(origin).preflight;
  }
}
