import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { pushCapture } from '../helpers/loop.ts';
import { placeCall, type Capture, type TestCall } from '../loop/progress-ws-helpers.ts';
import {
  REQUEST_TIMEOUT_MS, casesFor, count, failureText, preview, runFuzz, startFuzzServer, summary,
  type FuzzCase, type FuzzServer,
} from './harness.ts';
import { CHAR_KINDS, nestedText, randomJson, type Rng } from './rng.ts';
import { wsExchange, type WsOutcome } from './ws-exchange.ts';

/**
 * Fuzz of the Loop call-progress WebSocket (loop-v1.md §12) on real calls:
 * hello with mutated callId and auth, actions with mutated events and
 * reasons, echo with random payloads, garbage, binary and oversized frames.
 * A final echo probe tells when the server handled the frames before it.
 */

const MAX_FRAME = 64 * 1024;
const PROBE = JSON.stringify({ messageType: 'echo', echo: '__probe' });
const STATES = new Set(['init', 'alerting', 'connecting', 'half-connected', 'connected', 'terminated']);
/** §12.10, less `Service Unavailable` (an internal failure). */
const REASONS = [
  /^Malformed message\.$/, /^Unknown messageType$/, /^Missing parameters: (callId|auth|event)(, auth)?$/, /^bad callId$/,
  /^bad authentication$/, / state is invalid\. Should be one of: accept, media-up, terminate$/s, /^Invalid reason: should be alphanumeric$/,
  /^No transition from [a-z-]+ state with [a-z-]+ event\.$/, /^callId should not be undefined$/,
];
const POOL_SIZE = 12;

let fuzz: FuzzServer;
let capture: Capture;
const calls: TestCall[] = [];
const outcomes: Record<string, number> = {};

before(async () => {
  fuzz = await startFuzzServer({ loop: { timers: { supervisoryDuration: 2, ringingDuration: 2, connectionDuration: 2 } } });
  capture = await pushCapture();
  for (let i = 0; i < POOL_SIZE; i++) calls.push(await placeCall(fuzz.server, capture));
});
after(async () => {
  await fuzz?.close();
  await capture?.close();
});

type Frame = { data: string | Buffer; binary?: boolean };

function hello(r: Rng, call: TestCall): string {
  const frame: Record<string, unknown> = {
    messageType: 'hello',
    callId: r.chance(0.85) ? call.callId : r.pick<unknown>([r.string(32, 'name'), 'f'.repeat(32), 5, null, [], {}, call.callId.toUpperCase(), '']),
    auth: r.chance(0.8) ? r.pick([call.callerToken, call.calleeToken]) : r.pick<unknown>([call.callId, r.string(r.int(0, 64), r.pick(CHAR_KINDS)), 0, null, { a: 1 }, [call.callerToken]]),
  };
  if (r.chance(0.1)) delete frame[r.pick(['callId', 'auth'])];
  if (r.chance(0.05)) frame.extra = randomJson(r, 3);
  return JSON.stringify(frame);
}

function action(r: Rng): string {
  const frame: Record<string, unknown> = {
    messageType: 'action',
    event: r.chance(0.85) ? r.pick(['accept', 'media-up', 'terminate']) : r.pick<unknown>(['ACCEPT', '', 'hello', 5, null, ['accept'], r.string(r.int(0, 40), r.pick(CHAR_KINDS))]),
  };
  if (r.chance(0.5)) frame.reason = r.chance(0.6) ? r.pick(['busy', 'reject', 'cancel', 'timeout', 'media-fail', 'x-1']) : r.pick<unknown>(['', 'a b', 'é', 5, null, 'a'.repeat(10_000), r.string(r.int(0, 40), r.pick(CHAR_KINDS))]);
  if (r.chance(0.1)) delete frame.event;
  return JSON.stringify(frame);
}

function later(r: Rng, call: TestCall): { kind: string; frame: Frame } {
  return r.weighted<() => { kind: string; frame: Frame }>([
    [6, () => ({ kind: 'frames', frame: { data: action(r) } })],
    [3, () => ({ kind: 'frames', frame: { data: JSON.stringify({ messageType: 'echo', echo: randomJson(r, 5) }) } })],
    [1, () => ({ kind: 'frames', frame: { data: hello(r, call) } })],
    [1, () => ({ kind: 'frames', frame: { data: JSON.stringify(randomJson(r, 4)) ?? 'null' } })],
    [1, () => ({ kind: 'frames', frame: { data: r.pick(['', '{', 'null', '[]', '5', '"echo"', '{"messageType":null}', '{"messageType":"echo"}', '{"messageType":"echo","echo":1}x', '{"messageType":"__proto__"}', '{"messageType":"toString"}']) } })],
    [1, () => ({ kind: 'frames', frame: { data: JSON.stringify({ messageType: 'echo', echo: r.string(r.int(1000, 20_000), r.pick(CHAR_KINDS)) }) } })],
    [1, () => ({ kind: 'frames', frame: { data: `{"messageType":"echo","echo":${nestedText(r.int(10, 200))}}` } })],
    [1, () => ({ kind: 'binary-frame', frame: { data: r.chance(0.5) ? Buffer.from(action(r)) : r.bytes(r.size()), binary: true } })],
    [1, () => {
      const binary = r.chance(0.5);
      const data = Buffer.concat([Buffer.from('{"messageType":"echo","echo":"'), r.pick([Buffer.from([0xff]), Buffer.from([0xc3, 0x28]), Buffer.from([0xed, 0xa0, 0x80])]), Buffer.from('"}')]);
      return { kind: binary ? 'invalid-utf8-binary' : 'invalid-utf8-text', frame: { data, binary } };
    }],
    [1, () => ({ kind: 'oversize-frame', frame: { data: JSON.stringify({ messageType: 'echo', echo: 'x'.repeat(MAX_FRAME + r.int(0, 3 * MAX_FRAME)) }) } })],
    [1, () => ({ kind: 'echo-deep', frame: { data: `{"messageType":"echo","echo":${nestedText(r.int(5000, 20_000))}}` } })],
  ])();
}

function makeCase(r: Rng): FuzzCase {
  const slot = r.int(0, POOL_SIZE - 1);
  const renew = r.chance(0.05);
  const frames: Frame[] = [];
  const kinds = new Set<string>();
  // Frames are drawn against the pool slot's call at draw time; `renew` replaces it first when the case runs.
  const draw = (call: TestCall) => {
    frames.length = 0;
    kinds.clear();
    if (r.chance(0.85)) frames.push({ data: hello(r, call) });
    for (let i = r.int(frames.length === 0 ? 1 : 0, 4); i > 0; i--) {
      const f = later(r, call);
      kinds.add(f.kind);
      frames.push(f.frame);
    }
    frames.push({ data: PROBE });
  };
  draw(calls[slot]);
  const sizes = frames.map((f) => Buffer.byteLength(f.data));
  if (sizes.some((n) => n > MAX_FRAME)) kinds.add('oversize-frame');
  // A text frame that is not UTF-8 decides the outcome (uWS drops the connection), so it names the case first.
  const order = ['invalid-utf8-text', 'echo-deep', 'invalid-utf8-binary', 'oversize-frame', 'binary-frame', 'frames'];
  const kind = `progress-ws/${order.find((k) => kinds.has(k)) ?? 'frames'}`;
  const biggest = Math.max(...sizes);
  return {
    kind,
    what: `${renew ? '(new call) ' : ''}call #${slot}: ` + frames.map((f) => (f.binary ? `binary ${preview(f.data, 80)}` : preview(f.data, 200))).join(' → '),
    async run() {
      // A fresh call for the slot: later cases find it live (these frames still name the old one).
      if (renew) calls[slot] = await placeCall(fuzz.server, capture);
      const out = await wsExchange({
        port: fuzz.server.port, path: '/websocket', frames, timeoutMs: REQUEST_TIMEOUT_MS,
        isProbeAnswer: (f) => f.messageType === 'echo' && f.echo === '__probe',
      });
      count(outcomes, out.closeCode === null ? (out.refused !== undefined ? `refused ${out.refused}` : 'probe answered') : `close ${out.closeCode}`);
      return check(out, biggest, frames.some((f) => f.binary));
    },
  };
}

/** `binary`: the case sent a binary frame, which the server refuses with "Malformed message." and close 1003 (frames are JSON text). */
function check(out: WsOutcome, biggest: number, binary: boolean): string[] {
  const problems: string[] = [];
  if (out.refused !== undefined) problems.push(`the upgrade was refused with ${out.refused}`);
  for (const f of out.frames) {
    const text = JSON.stringify(f).slice(0, 300);
    if (f.messageType === 'error') {
      if (typeof f.reason !== 'string' || !REASONS.some((re) => re.test(f.reason as string))) problems.push(`error frame with a reason §12.10 does not list: ${text}`);
    } else if (f.messageType === 'hello' || f.messageType === 'progress') {
      if (!STATES.has(f.state as string)) problems.push(`${f.messageType} with an unknown state: ${text}`);
      if (f.reason !== undefined && f.state !== 'terminated') problems.push(`a reason without terminated: ${text}`);
    } else if (f.messageType !== 'echo') {
      problems.push(`unexpected frame ${text}`);
    }
  }
  const allowed = new Set([1000, ...(binary ? [1003] : []), ...(biggest > MAX_FRAME ? [1009] : []), ...(biggest > 2 * MAX_FRAME ? [1006] : [])]);
  if (out.closeCode !== null && !allowed.has(out.closeCode)) {
    problems.push(`close code ${out.closeCode} (allowed here: ${[...allowed].join(', ')}; frames: ${JSON.stringify(out.frames).slice(0, 300)})`);
  }
  return problems;
}

test('fuzz: Loop call-progress WebSocket', async (t) => {
  const report = await runFuzz({ surface: 'progress-ws', cases: casesFor(0.1), concurrency: 16, fuzz, make: makeCase, outcomes });
  t.diagnostic(summary('progress-ws', report));
  assert.equal(report.failures.length, 0, failureText('progress-ws', report));
});
