import { errors, type AppError } from '../errors.ts';
import { addressText, clientAddress, limitKey, type TrustedProxies } from '../limits/client-address.ts';
import type { ConnectionCounter } from '../limits/connections.ts';
import type { TokenBuckets } from '../limits/token-bucket.ts';
import type { HttpResponse } from './uws.ts';

export interface ClientGateOptions {
  /** false (RATE_LIMITS=off): no client address is read and no per-client limit applies. */
  readonly perClient: boolean;
  readonly trust: TrustedProxies;
  /** Requests per client per second; null = no limit. */
  readonly requests: TokenBuckets | null;
  /** Busy connections per client and in total; null = no cap. */
  readonly connections: ConnectionCounter | null;
}

/**
 * The per-client checks every HTTP request and WebSocket upgrade passes
 * before any handler runs: who the client is, its request rate, and the
 * connection caps.
 */
export class ClientGate {
  readonly #o: ClientGateOptions;
  /** The headers to read for the client address ('x-forwarded-for' when some proxy is trusted). */
  readonly headers: readonly string[];

  constructor(o: ClientGateOptions) {
    this.#o = o;
    this.headers = o.perClient && !o.trust.none ? ['x-forwarded-for'] : [];
  }

  get connections(): ConnectionCounter | null {
    return this.#o.connections;
  }

  /**
   * The client key of a request ('' when per-client limits are off). uWS: call before any await.
   * Measured: getRemoteAddress() alone is ~0.8 µs (uWS allocates an ArrayBuffer each time), the
   * rest of the gate ~0.25 µs; with limits on, GET /inbox took 16.3 instead of 13.1 µs of CPU.
   */
  clientOf(res: HttpResponse, forwardedFor: string): string {
    if (!this.#o.perClient) return '';
    const peer = addressText(res.getRemoteAddress());
    return limitKey(clientAddress(peer, forwardedFor, this.#o.trust));
  }

  /**
   * An HTTP request: its rate, then a connection slot. undefined = admitted,
   * and a slot was taken when `connections` is set (release it once answered
   * or aborted).
   */
  admitRequest(client: string): AppError | undefined {
    const refused = this.#rate(client);
    if (refused) return refused;
    const c = this.#o.connections;
    return c ? connectionError(c.acquire(client)) : undefined;
  }

  /** A WebSocket upgrade: its rate and whether a slot is free (taken at open with `connections.add`). */
  admitUpgrade(client: string): AppError | undefined {
    const refused = this.#rate(client);
    if (refused) return refused;
    const c = this.#o.connections;
    return c ? connectionError(c.check(client)) : undefined;
  }

  #rate(client: string): AppError | undefined {
    const wait = this.#o.requests?.take(client) ?? 0;
    return wait > 0 ? errors.rateLimited(wait) : undefined;
  }
}

function connectionError(refusal: 'client' | 'server' | undefined): AppError | undefined {
  if (refusal === undefined) return undefined;
  return refusal === 'client' ? errors.tooManyConnections() : errors.serverBusy();
}
