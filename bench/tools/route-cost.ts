// The JavaScript cost of one inbox request through the whole app, without the
// network or uWS's native work: createApp runs on a fake uWS core that only
// records the routes, and requests are handed to the recorded route callbacks
// as uWS would hand them over (fake request and response objects whose calls
// cost next to nothing). A POST run queues `rounds` messages per inbox, read
// back untimed before the next run. What the full bench measures minus what this measures
// is roughly uWS, the kernel and the GC of the real run.
//
//   npx tsx bench/tools/route-cost.ts [get|post] [rounds]
//
// Run it under `node --cpu-prof --import tsx …` for a profile of our code alone.
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';

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
class FakeRequest {
  // Header names are asked for as bytes; their lengths tell the few this tool answers apart.
  getHeader(key: Uint8Array): string {
    if (key.length === 13) return auths[current]; // authorization
    if (key.length === 14) return contentLength; // content-length
    if (key.length === 12) return 'application/json'; // content-type
    return '';
  }
  getQuery(): string | undefined {
    return method === 'post' ? recipients[current] : undefined;
  }
  getUrl(): string {
    return '/inbox';
  }
  getCaseSensitiveMethod(): string {
    return method.toUpperCase();
  }
  getParameter(): string {
    return '';
  }
}
class FakeResponse {
  data: ((chunk: ArrayBuffer, isLast: boolean) => void) | null = null;
  writeStatus(): this { return this; }
  writeHeader(): this { return this; }
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

let method: 'get' | 'post' = process.argv[2] === 'post' ? 'post' : 'get';
const rounds = Number(process.argv[3] ?? 200);
const config = loadConfig({ LOG_LEVEL: 'warn', RATE_LIMITS: 'off', INBOX_TTL: '3600', MAX_QUEUED_BYTES: '4G', INBOX_CAPACITY: '100000' }, []);
const running = createApp(config, { core: core as never });
const get = routes.get('get /inbox')!;
const post = routes.get('post /inbox')!;
const req = new FakeRequest();
const chunk = BODY.slice().buffer;

function once(i: number): void {
  current = i;
  const res = new FakeResponse();
  if (method === 'get') return get(res, req);
  post(res, req);
  res.data!(chunk, true); // uWS hands the body over after the route callback returns
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
console.log(`route-cost: ${method.toUpperCase()} /inbox, ${INBOXES} inboxes, ${rounds} rounds of each; JavaScript only (${core.description})`);
for (let r = 0; r < 5; r++) {
  const before = answered;
  const started = performance.now();
  for (let k = 0; k < rounds; k++) for (let i = 0; i < INBOXES; i++) once(i);
  const ns = ((performance.now() - started) * 1e6) / (rounds * INBOXES);
  if (answered - before !== rounds * INBOXES) throw new Error(`only ${answered - before} of ${rounds * INBOXES} requests were answered`);
  console.log(`  run ${r + 1}: ${ns.toFixed(0)} ns per request`);
  if (method === 'post') drain();
}
await running.close();
process.exit(0);
