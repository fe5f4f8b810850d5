import Hawk from 'hawk';
import type { HeaderList, Reply } from '../http/reply.ts';
import type { RequestInfo } from '../http/server.ts';
import type { LoopBody } from './body.ts';
import type { LoopError } from './errors.ts';
import { serverAuthorization, type MacInput } from './hawk-mac.ts';
import type { SessionRecord } from '../store/loop.ts';

const JSON_TYPE = 'application/json; charset=utf-8';
const CONTENT_TYPE_JSON: readonly [string, string] = ['Content-Type', JSON_TYPE];
const EMPTY_BODY: LoopBody = Object.freeze({}) as LoopBody;

/** What a successful Hawk check leaves behind: enough to sign the response (§3.5). */
export interface HawkPass {
  readonly credentials: Hawk.server.Credentials;
  readonly artifacts: Hawk.crypto.Artifacts;
}

/** The authenticated session of a request. */
export interface AuthedSession {
  /** Store key of the session (the Hawk id). */
  readonly id: string;
  readonly record: SessionRecord;
}

/** §3.5 Server-Authorization: the fast signer, or the hawk package for what it does not cover. */
function serverAuthorizationOf(hawk: HawkPass): string {
  return serverAuthorization(hawk.credentials.key, hawk.artifacts as unknown as MacInput) ?? Hawk.server.header(hawk.credentials, hawk.artifacts);
}

/** Writes responses with the header rules of §2.3; one per server. */
export class Responder {
  #second = -1;
  #stamp: readonly [string, string] = ['Timestamp', '0'];
  readonly #retryAfter: readonly [string, string];

  constructor(private readonly nowMs: () => number, retryAfterSec: number) {
    this.#retryAfter = ['Retry-After', String(retryAfterSec)];
  }

  /** Unix seconds of the wall clock. */
  nowSec(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  /** The response's headers; shared pairs go in as they are (Reply only reads them). */
  headers(ex: Exchange, status: number, extra: HeaderList, hasBody: boolean): (readonly [string, string])[] {
    const out: (readonly [string, string])[] = [];
    if (hasBody) out.push(CONTENT_TYPE_JSON);
    if (status === 200 || status === 401) out.push(this.#timestamp());
    // A limit's own Retry-After (in `extra`) wins over the configured one.
    else if ((status === 503 || status === 429) && !extra.some(([name]) => name === 'Retry-After')) out.push(this.#retryAfter);
    if (ex.hawk) out.push(['Server-Authorization', serverAuthorizationOf(ex.hawk)]);
    if (ex.mintedToken) {
      out.push(['Hawk-Session-Token', ex.mintedToken], ['Access-Control-Expose-Headers', 'Hawk-Session-Token']);
    }
    for (const h of extra) out.push(h);
    return out;
  }

  #timestamp(): readonly [string, string] {
    const sec = this.nowSec();
    if (sec !== this.#second) {
      this.#second = sec;
      this.#stamp = ['Timestamp', String(sec)];
    }
    return this.#stamp;
  }
}

/** One Loop request in flight: the copied request, its reply, and what routing and auth learned. */
export class Exchange {
  /** `{token}` segments, URL-decoded. */
  params: readonly string[] = [];
  body: LoopBody = EMPTY_BODY;
  session: AuthedSession | undefined;
  hawk: HawkPass | undefined;
  /** A session token minted by this request (§3.2): sent once in `Hawk-Session-Token`. */
  mintedToken: string | undefined;
  #query: URLSearchParams | undefined;

  constructor(
    readonly req: RequestInfo,
    readonly reply: Reply,
    private readonly responder: Responder,
    /** HEAD served as GET: headers only. */
    readonly head: boolean,
  ) {}

  get query(): URLSearchParams {
    return (this.#query ??= new URLSearchParams(this.req.query));
  }

  header(name: string): string {
    return this.req.headers[name] ?? '';
  }

  nowSec(): number {
    return this.responder.nowSec();
  }

  json(status: number, value: unknown, extra: HeaderList = []): void {
    this.jsonText(status, JSON.stringify(value), extra);
  }

  /** A JSON answer already written as text (see flat-json.ts). */
  jsonText(status: number, body: string, extra: HeaderList = []): void {
    this.reply.send(status, this.responder.headers(this, status, extra, true), this.head ? undefined : body);
  }

  /** A response without body: 204, or a 200 with `Content-Length: 0`. */
  empty(status: number, extra: HeaderList = []): void {
    this.reply.send(status, this.responder.headers(this, status, extra, false), status === 204 ? undefined : '');
  }

  text(status: number, text: string, extra: HeaderList = []): void {
    const headers = this.responder.headers(this, status, extra, false);
    headers.push(['Content-Type', 'text/plain; charset=utf-8']);
    this.reply.send(status, headers, this.head ? undefined : text);
  }

  fail(err: LoopError): void {
    this.json(err.status, err, err.headers);
  }
}
