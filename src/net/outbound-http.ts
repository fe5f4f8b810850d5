import http from 'node:http';
import https from 'node:https';
import type { Logger } from 'pino';
import { OutboundPolicy, OutboundRefusedError, type OutboundRefusal } from './outbound-policy.ts';

/** One outbound HTTP call. Every call has a deadline; nothing is retried or redirected here. */
export interface OutboundRequest {
  /** Default GET. */
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Whole-call deadline: resolving, connecting, the answer and its body. */
  readonly timeoutMs: number;
  /** Ends the call early (the caller's own timer). */
  readonly signal?: AbortSignal;
  /** Throw the answer's body away (push wake-ups). */
  readonly discardBody?: boolean;
  /** Largest answer body kept; a longer one is a failure. Default 1 MiB. */
  readonly maxBodyBytes?: number;
}

export interface OutboundResponse {
  readonly ok: true;
  /** 1xx, 2xx, 4xx or 5xx: a 3xx is a failure (`redirect`), never followed. */
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

export interface OutboundError {
  readonly ok: false;
  readonly code: 'invalid_url' | 'redirect' | 'network' | 'timeout' | 'aborted' | 'too_large';
  readonly message: string;
  /** The 3xx status of a `redirect`. */
  readonly status?: number;
}

export type OutboundFailure = OutboundRefusal | OutboundError;
export type OutboundResult = OutboundResponse | OutboundFailure;

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** URLs whose refusal was already logged at warn level (bounded: cleared when full). */
const WARNED_MAX = 10_000;

const failure = (code: OutboundError['code'], message: string, status?: number): OutboundError =>
  status === undefined ? { ok: false, code, message } : { ok: false, code, message, status };

/** The reason of a socket error; a multi-address connect fails with an AggregateError of the attempts. */
function networkMessage(err: unknown): string {
  const e = err as { message?: string; code?: string; errors?: unknown[] };
  if (Array.isArray(e?.errors) && e.errors.length > 0) return networkMessage(e.errors[0]);
  return e?.message || e?.code || String(err);
}

/** Where a URL points, for logs: paths may be capabilities (SimplePush) and are never logged. */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}

/**
 * The one HTTP client for calls the server makes on its own: the policy's
 * guarded lookup on dedicated agents, literal IPs checked before connecting,
 * no redirects, a deadline per call. Failures are values; a refused
 * destination is logged at warn level once per URL (no stack), then at debug.
 */
export class OutboundClient {
  readonly policy: OutboundPolicy;
  readonly #log: Logger;
  readonly #http = new http.Agent({ keepAlive: false });
  readonly #https = new https.Agent({ keepAlive: false });
  readonly #warned = new Set<string>();

  constructor(options: { policy?: OutboundPolicy; log: Logger }) {
    this.policy = options.policy ?? new OutboundPolicy();
    this.#log = options.log;
  }

  request(url: string, o: OutboundRequest): Promise<OutboundResult> {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return Promise.resolve(failure('invalid_url', 'not a URL'));
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      return Promise.resolve(failure('invalid_url', `${target.protocol} is not http(s)`));
    }
    // net.connect skips the lookup for an IP literal: check it here.
    const literal = this.policy.checkLiteralHost(target.hostname);
    if (literal) return Promise.resolve(this.#refused(url, literal));
    return new Promise((resolve) => {
      try {
        this.#send(url, target, o, resolve);
      } catch (err) {
        // http.request throws synchronously on a header value it cannot send.
        resolve(failure('invalid_url', networkMessage(err)));
      }
    });
  }

  /** Closes the agents' sockets (shutdown). */
  close(): void {
    this.#http.destroy();
    this.#https.destroy();
  }

  #send(url: string, target: URL, o: OutboundRequest, resolve: (r: OutboundResult) => void): void {
    const max = o.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    const secure = target.protocol === 'https:';
    let done = false;
    const finish = (result: OutboundResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      resolve(result);
      req.destroy();
    };
    const req = (secure ? https : http).request(
      target,
      { method: o.method ?? 'GET', headers: o.headers, agent: secure ? this.#https : this.#http, lookup: this.policy.lookup },
      (res) => {
        const status = res.statusCode ?? 0;
        res.on('error', (err) => finish(failure('network', networkMessage(err))));
        if (status >= 300 && status < 400) return finish(failure('redirect', `redirect (${status}) not followed`, status));
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (o.discardBody) return;
          size += chunk.length;
          if (size > max) finish(failure('too_large', `answer body larger than ${max} bytes`));
          else chunks.push(chunk);
        });
        res.on('end', () => {
          const contentType = String(res.headers['content-type'] ?? '');
          finish({ ok: true, status, contentType, body: Buffer.concat(chunks).toString('utf8') });
        });
      },
    );
    req.on('error', (err) => {
      if (err instanceof OutboundRefusedError) finish(this.#refused(url, err.refusal));
      else finish(failure('network', networkMessage(err)));
    });
    const timer = setTimeout(() => finish(failure('timeout', `no answer within ${o.timeoutMs} ms (timeout)`)), o.timeoutMs);
    const onAbort = () => finish(failure('aborted', 'aborted by the caller'));
    if (o.signal?.aborted) return onAbort();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    req.end(o.body);
  }

  #refused(url: string, refusal: OutboundRefusal): OutboundRefusal {
    const fields = { origin: originOf(url), address: refusal.address, range: refusal.range };
    if (this.#warned.has(url)) {
      this.#log.debug(fields, 'outbound request refused');
    } else {
      if (this.#warned.size >= WARNED_MAX) this.#warned.clear();
      this.#warned.add(url);
      this.#log.warn(fields, `outbound request refused: ${refusal.message} (OUTBOUND_ALLOW lists exceptions)`);
    }
    return refusal;
  }
}
