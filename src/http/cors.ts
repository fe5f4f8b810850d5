import type { HeaderList } from './reply.ts';

export interface CorsPolicy {
  readonly origins: readonly string[];
  readonly methods: string;
  readonly allowHeaders: string;
  readonly exposeHeaders: string;
  readonly maxAgeSec: number;
}

/**
 * Precomputes the CORS headers of one surface. `*` answers any origin with
 * `*`; a list echoes an allowed Origin (with Vary: Origin) and says nothing
 * to the others, so browsers refuse them.
 */
export class Cors {
  readonly #any: boolean;
  readonly #allowed: Set<string>;
  readonly #common: HeaderList;
  readonly #preflight: HeaderList;
  readonly #vary: HeaderList = [['Vary', 'Origin']];
  readonly #anyHeaders: HeaderList;

  constructor(policy: CorsPolicy) {
    this.#any = policy.origins.includes('*');
    this.#allowed = new Set(policy.origins);
    this.#common = [['Access-Control-Expose-Headers', policy.exposeHeaders]];
    this.#anyHeaders = [['Access-Control-Allow-Origin', '*'], ...this.#common];
    this.#preflight = [
      ['Access-Control-Allow-Methods', policy.methods],
      ['Access-Control-Allow-Headers', policy.allowHeaders],
      ['Access-Control-Max-Age', String(policy.maxAgeSec)],
    ];
  }

  /** Headers for an ordinary response to a request from `origin` ('' when none). */
  headers(origin: string): HeaderList {
    if (this.#any) return this.#anyHeaders;
    if (origin !== '' && this.#allowed.has(origin)) {
      return [['Access-Control-Allow-Origin', origin], ...this.#vary, ...this.#common];
    }
    return this.#vary;
  }

  /** Headers for a preflight (OPTIONS) answer. */
  preflight(origin: string): HeaderList {
    return [...this.headers(origin), ...this.#preflight];
  }

}
