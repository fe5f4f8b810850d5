import { errors, type AppError } from '../errors.ts';
import { addressText, clientAddress, limitKey, type TrustedProxies } from '../limits/client-address.ts';
import type { ConnectionCounter } from '../limits/connections.ts';
import type { RequestRate } from '../limits/request-rate.ts';
import type { HttpResponse } from './uws.ts';

export interface ClientGateOptions {
  /** false (RATE_LIMITS=off): no client address is read and no per-client limit applies. */
  readonly perClient: boolean;
  readonly trust: TrustedProxies;
  /** Requests per client per second; null = no limit. */
  readonly requests: RequestRate | null;
  /** Busy connections per client and in total; null = no cap. */
  readonly connections: ConnectionCounter | null;
  /** Runs `fn` once the current event-loop turn is over (default setImmediate; tests inject their own). */
  readonly later?: (fn: () => void) => void;
}

/** An HTTP request as the gate sees it: its client key is read from the connection only when asked for. */
export interface GatedRequest {
  /** The client key; the first read asks uWS for the address. */
  readonly client: string;
  /** true once answered or aborted: its connection may not be touched. */
  readonly finished: boolean;
  /** Holds a slot of the total until answered or aborted, and one of `client` when given. */
  holdSlot(slots: ConnectionCounter, client: string | null): void;
  /** Adds a slot of `client` to the held one. */
  holdClientSlot(client: string): void;
  /** Answers a refusal (429, 503) in the route's format and closes the connection. */
  refuse(err: AppError): void;
}

/**
 * The per-client checks every HTTP request and WebSocket upgrade passes
 * before any handler runs: who the client is, its request rate, and the
 * connection caps.
 *
 * Reading a request's address is the dearest part (uWS makes a getpeername
 * system call and allocates an ArrayBuffer each time, and a connection has no
 * identity to cache it by; reading it for every request made an empty GET
 * /inbox cost about a quarter more), so an HTTP request has its address
 * read only when a check needs it: when its request is
 * charged (RequestRate), when some client is at its connection cap, when a
 * creation limit counts it, or when it is still busy after the event-loop turn
 * it came in (a long-poll, a slow body, a store call): only then does it hold
 * a connection slot of its client. A request answered within its turn holds
 * no per-client slot: it never kept a connection busy. WebSocket upgrades are
 * checked at once, as they stay.
 */
export class ClientGate {
  readonly #o: ClientGateOptions;
  readonly #later: (fn: () => void) => void;
  /** The headers to read for the client address ('x-forwarded-for' when some proxy is trusted). */
  readonly headers: readonly string[];
  #busy: GatedRequest[] = [];

  constructor(o: ClientGateOptions) {
    this.#o = o;
    this.#later = o.later ?? setImmediate;
    this.headers = o.perClient && !o.trust.none ? ['x-forwarded-for'] : [];
  }

  get connections(): ConnectionCounter | null {
    return this.#o.connections;
  }

  /**
   * The client key of a request ('' when per-client limits are off). uWS: the
   * response must still be open, and `forwardedFor` was read before any await.
   */
  clientOf(res: HttpResponse, forwardedFor: string): string {
    if (!this.#o.perClient) return '';
    const peer = addressText(res.getRemoteAddress());
    return limitKey(clientAddress(peer, forwardedFor, this.#o.trust));
  }

  /**
   * An HTTP request, in the synchronous part of its handler: its rate, then
   * the connection caps. undefined = admitted, with a slot held when
   * connections are counted. A request still busy at the end of this turn is
   * checked then against its client's connection cap (and refused then if over).
   */
  admitRequest(r: GatedRequest): AppError | undefined {
    const o = this.#o;
    if (o.requests) {
      const cost = o.requests.due();
      if (cost > 0) {
        const wait = o.requests.charge(r.client, cost);
        if (wait > 0) return errors.rateLimited(wait);
      }
    }
    const c = o.connections;
    if (c && !c.acquireTotal()) return errors.serverBusy();
    if (c === null || c.maxPerClient === 0 || !o.perClient) {
      if (c) r.holdSlot(c, null);
    } else if (c.anyClientAtCap) {
      // Some client is at its cap: this one may be it, so it is counted now, as it arrives.
      if (!c.acquireClient(r.client)) {
        c.releaseTotal();
        return errors.tooManyConnections();
      }
      r.holdSlot(c, r.client);
      return undefined;
    } else {
      r.holdSlot(c, null);
    }
    if (o.perClient && this.#busy.push(r) === 1) this.#later(this.#stillBusy);
    return undefined;
  }

  /** A WebSocket upgrade: its rate and whether a slot is free (taken at open with `connections.add`). */
  admitUpgrade(client: string): AppError | undefined {
    const wait = this.#o.requests?.charge(client, 1) ?? 0;
    if (wait > 0) return errors.rateLimited(wait);
    const c = this.#o.connections;
    return c ? connectionError(c.check(client)) : undefined;
  }

  /**
   * The requests of the last turn that are still busy: their client keys are
   * read now (while uWS still has their connection, for any later creation
   * limit) and each takes a slot of its client, or is refused if over the cap.
   */
  readonly #stillBusy = (): void => {
    const list = this.#busy;
    this.#busy = [];
    const c = this.#o.connections;
    const perClient = c !== null && c.maxPerClient > 0;
    for (const r of list) {
      if (r.finished) continue;
      const key = r.client;
      if (!perClient) continue;
      if (c.acquireClient(key)) r.holdClientSlot(key);
      else r.refuse(errors.tooManyConnections());
    }
  };
}

function connectionError(refusal: 'client' | 'server' | undefined): AppError | undefined {
  if (refusal === undefined) return undefined;
  return refusal === 'client' ? errors.tooManyConnections() : errors.serverBusy();
}
