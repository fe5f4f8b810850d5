// The JavaScript cost of one inbox request through the whole app, without the
// network or uWS's native work: createApp runs on a fake uWS core that only
// records the routes, and requests are handed to the recorded route callbacks
// as uWS would hand them over (fake request and response objects whose calls
// cost next to nothing). A POST run queues `rounds` messages per inbox, read
// back untimed before the next run. What the full bench measures minus what this measures
// is roughly uWS, the kernel and the GC of the real run.
//
//   npx tsx bench/tools/route-cost.ts [get|post|call-url] [rounds]
//
// call-url: the Loop's POST /v1/call-url, Hawk-signed over 500 sessions, each
// request its own nonce (signed before the timed runs; rounds × 500 requests
// per run, at most 100 rounds: the signatures are good for a minute).
//
// Run it under `node --cpu-prof --import tsx …` for a profile of our code alone.
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { credentialsOfToken, hawkAuthorization } from '../lib/hawk-sign.ts';
import { loopBenchEnv } from '../lib/loop-config.ts';

type Callback = (res: FakeResponse, req: FakeRequest) => void;
const routes = new Map<string, Callback>();
const METHODS = new Set(['get', 'post', 'put', 'patch', 'del', 'options', 'head', 'any']);
// Route registrations are recorded, every other call on the app (ws, listen, ...) answers the app itself.
const app: object = new Proxy({}, {
  get: (_target, prop) => METHODS.has(String(prop))
    ? (pattern: string, cb: Callback) => (routes.set(`${String(prop)} ${pattern}`, cb), app)
    : () => app,
});
const core = { uws: { App: () => app }, native: true, description: 'fake uWS core (route-cost)' };

const INBOXES = 10_000;
const BODY = new TextEncoder().encode(JSON.stringify({ type: 'candidate', candidate: 'candidate:1 1 udp 1 192.0.2.17 54321 typ host', sdpMid: '0' }));
const auths = Array.from({ length: INBOXES }, (_, i) => latin1(`Basic ${Buffer.from(`inbox-${i}:password-${i}`).toString('base64')}`));
const recipients = Array.from({ length: INBOXES }, (_, i) => latin1(`to=inbox-${(i + INBOXES / 2) % INBOXES}`));
const contentLength = latin1(String(BODY.byteLength));

/** A flat one-byte string, as uWS hands header values over. */
function latin1(text: string): string {
  return Buffer.from(text, 'latin1').toString('latin1');
}

let current = 0;
let answered = 0;
/** Header names by the byte arrays uWS is asked with (made once per route): no decoding per call. */
const headerNames = new WeakMap<Uint8Array, string>();
const nameOf = (key: Uint8Array): string => {
  let name = headerNames.get(key);
  if (name === undefined) headerNames.set(key, (name = Buffer.from(key).toString('latin1')));
  return name;
};
/** The request being handed over: its headers by name, query, path and method. */
let loop: { headers: Record<string, string>; path: string; method: string } | null = null;
class FakeRequest {
  getHeader(key: Uint8Array): string {
    const name = nameOf(key);
    if (loop) return loop.headers[name] ?? '';
    if (name === 'authorization') return auths[current];
    if (name === 'content-length') return contentLength;
    if (name === 'content-type') return 'application/json';
    return '';
  }
  getQuery(): string | undefined {
    if (loop) return undefined;
    return method === 'post' ? recipients[current] : undefined;
  }
  getUrl(): string {
    return loop ? loop.path : '/inbox';
  }
  getCaseSensitiveMethod(): string {
    return loop ? loop.method : method.toUpperCase();
  }
  getParameter(): string {
    return '';
  }
}
class FakeResponse {
  data: ((chunk: ArrayBuffer, isLast: boolean) => void) | null = null;
  /** What was written, when asked to keep it (the set-up reads session tokens from it). */
  text: string | null = null;
  /** The first thing written: the status line (and maybe headers). */
  status: string | Uint8Array | null = null;
  writeStatus(status: string | Uint8Array): this {
    this.status ??= status;
    return this.#keep(status);
  }
  writeHeader(key: string | Uint8Array, value: string | Uint8Array): this { return this.#keep(key).#keep(': ').#keep(value).#keep('\r\n'); }
  #keep(part: string | Uint8Array): this {
    if (this.text !== null) this.text += typeof part === 'string' ? part : Buffer.from(part).toString('latin1');
    return this;
  }
  endWithoutBody(): this { answered++; return this; }
  end(): this { answered++; return this; }
  tryEnd(): [boolean, boolean] { answered++; return [true, true]; }
  onAborted(): this { return this; }
  onWritable(): this { return this; }
  onData(cb: (chunk: ArrayBuffer, isLast: boolean) => void): this { this.data = cb; return this; }
  cork(fn: () => void): this { fn(); return this; }
  getWriteOffset(): number { return 0; }
  getRemoteAddressAsText(): ArrayBuffer { return new TextEncoder().encode('127.0.0.1').buffer; }
}

const mode = process.argv[2] === 'post' || process.argv[2] === 'call-url' ? process.argv[2] : 'get';
let method: 'get' | 'post' = mode === 'get' ? 'get' : 'post';
const rounds = Number(process.argv[3] ?? (mode === 'call-url' ? 20 : 200));
const config = loadConfig({
  LOG_LEVEL: 'warn', RATE_LIMITS: 'off', INBOX_TTL: '3600', MAX_QUEUED_BYTES: '4G', INBOX_CAPACITY: '100000',
  ...(mode === 'call-url' ? loopBenchEnv() : {}),
}, []);
const running = createApp(config, { core: core as never });
const get = routes.get('get /inbox')!;
const post = routes.get('post /inbox')!;
const any = routes.get('any /*')!;
const req = new FakeRequest();
const chunk = BODY.slice().buffer;

function once(i: number): void {
  current = i;
  const res = new FakeResponse();
  if (method === 'get') return get(res, req);
  post(res, req);
  res.data!(chunk, true); // uWS hands the body over after the route callback returns
}

/** One Loop request through the catch-all route; its response (with what it wrote when `keep`). */
function loopRequest(m: string, path: string, headers: Record<string, string>, body: Uint8Array, keep = false): FakeResponse {
  loop = { method: m, path, headers: { host: HOST, 'content-type': 'application/json', 'content-length': String(body.byteLength), ...headers } };
  const res = new FakeResponse();
  if (keep) res.text = '';
  any(res, req);
  if (body.byteLength > 0) res.data!(body.slice().buffer, true);
  loop = null;
  return res;
}

/** Whether a status line (as written to uWS) is a 200. */
function is200(status: string | Uint8Array | null): boolean {
  if (typeof status === 'string') return status.startsWith('200');
  return status !== null && status[0] === 0x32 && status[1] === 0x30 && status[2] === 0x30;
}

const HOST = '127.0.0.1:8080';
const SESSIONS = 500;
const CALL_URL_BODY = new TextEncoder().encode(JSON.stringify({ callerId: 'bench-caller@example.test' }));
/** Signed requests, each used once (Hawk refuses a replayed nonce). */
let signed: string[] = [];

if (mode === 'call-url') {
  const empty = new TextEncoder().encode('{}');
  const tokens: string[] = [];
  for (let i = 0; i < SESSIONS; i++) {
    const res = loopRequest('POST', '/v1/registration', {}, empty, true);
    await new Promise((resolve) => setImmediate(resolve));
    const token = /Hawk-Session-Token: ([0-9a-f]+)/.exec(res.text!)?.[1];
    if (!token) throw new Error(`registration gave no session token: ${res.text}`);
    tokens.push(token);
  }
  const creds = tokens.map(credentialsOfToken);
  const ts = Math.floor(Date.now() / 1000);
  let nonce = 0;
  signed = Array.from({ length: 5 * rounds * SESSIONS }, (_, i) =>
    hawkAuthorization(creds[i % SESSIONS], { method: 'POST', resource: '/v1/call-url', host: '127.0.0.1', port: 8080, ts, nonce: `n${nonce++}` }));
}
let nextSigned = 0;

function oneCallUrl(): void {
  const res = loopRequest('POST', '/v1/call-url', { authorization: signed[nextSigned++] }, CALL_URL_BODY);
  if (!is200(res.status)) throw new Error(`POST /v1/call-url answered ${Buffer.from(res.status ?? '').toString('latin1').slice(0, 40)}`);
}

/** Reads every message a run queued (untimed), so that each run starts from empty queues. */
function drain(): void {
  const saved = method;
  method = 'get';
  for (let k = 0; k < rounds; k++) for (let i = 0; i < INBOXES; i++) once(i);
  method = saved;
}

for (let i = 0; i < INBOXES; i++) {
  current = i;
  get(new FakeResponse(), req); // creates the inboxes
}
const what = mode === 'call-url' ? `POST /v1/call-url (Hawk), ${SESSIONS} sessions` : `${method.toUpperCase()} /inbox, ${INBOXES} inboxes`;
console.log(`route-cost: ${what}, ${rounds} rounds of each; JavaScript only (${core.description})`);
const perRound = mode === 'call-url' ? SESSIONS : INBOXES;
for (let r = 0; r < 5; r++) {
  const before = answered;
  const started = performance.now();
  if (mode === 'call-url') for (let k = 0; k < rounds * SESSIONS; k++) oneCallUrl();
  else for (let k = 0; k < rounds; k++) for (let i = 0; i < INBOXES; i++) once(i);
  const ns = ((performance.now() - started) * 1e6) / (rounds * perRound);
  if (answered - before !== rounds * perRound) throw new Error(`only ${answered - before} of ${rounds * perRound} requests were answered`);
  console.log(`  run ${r + 1}: ${ns.toFixed(0)} ns per request`);
  if (mode === 'post') drain(); // call-url queues nothing
}
await running.close();
process.exit(0);
