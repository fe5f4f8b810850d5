// The call-setup load generator: a separate process (pinned to its own core
// by the bench) that drives Loop calls from creation to `connected` over
// 127.0.0.1 and answers with a LoadResult (see CallSetupSpec). One call:
//   POST /v1/calls/{token}                 → callId, the caller's websocketToken
//   GET  /v1/calls?version=… (Hawk, callee) → the callee's websocketToken
//   two WebSockets: caller hello, callee hello, callee accept, caller media-up,
//   callee media-up → both see progress/connected (the server then closes both).
import { randomBytes } from 'node:crypto';
import * as hdr from 'hdr-histogram-js';
import { MiniHttpPool, type MiniResponse } from './mini-http.ts';
import { MiniWebSocket } from './mini-ws.ts';
import type { LoadMessage, LoadResult, Percentiles } from './load-types.ts';
import { credentialsOfToken, hawkAuthorization } from './hawk-sign.ts';
import type { HawkCredentials } from '../../src/loop/credentials.ts';

/** One call-setup run. */
export interface CallSetupSpec {
  /** closed: `concurrency` calls in flight all the time; open: `rate` calls/s started on schedule. */
  readonly mode: 'closed' | 'open';
  readonly port: number;
  /** Call URLs and the session token of each one's owner (the callee). */
  readonly urls: readonly { readonly callToken: string; readonly ownerToken: string }[];
  readonly concurrency: number;
  readonly rate?: number;
  readonly durationSec: number;
  readonly warmupSec: number;
  /** WebSocket path (progressURLEndpoint). */
  readonly wsPath: string;
  /** A call not connected after this long counts as failed. */
  readonly callTimeoutMs: number;
  /** Upper bound on calls started (measured run), whatever the duration. */
  readonly maxCalls: number;
}

/** Client messages of one call: 2 HTTP requests and 5 WebSocket frames. */
export const MESSAGES_PER_CALL = 7;
const CALL_BODY = JSON.stringify({ callType: 'audio-video' });
const ACCEPT = JSON.stringify({ messageType: 'action', event: 'accept' });
const MEDIA_UP = JSON.stringify({ messageType: 'action', event: 'media-up' });
const RUN_NONCE = randomBytes(4).toString('hex');

function post(message: LoadMessage): void {
  process.send!(message);
}

class Stats {
  readonly setupUs = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  readonly cycleUs = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  readonly lagUs = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  connected = 0;
  failed = 0;
  readonly reasons = new Map<string, number>();
  fail(reason: string): void {
    this.failed++;
    this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + 1);
  }
}

class Driver {
  readonly #http: MiniHttpPool;
  readonly #creds = new Map<string, HawkCredentials>();
  #nonce = 0;
  constructor(private readonly spec: CallSetupSpec) {
    this.#http = new MiniHttpPool(spec.port, Math.max(8, spec.concurrency));
  }

  close(): void {
    this.#http.close();
  }

  #request(method: string, path: string, headers: Record<string, string>, body?: string): Promise<MiniResponse> {
    return this.#http.request(method, path, headers, body);
  }

  /** One call from creation to connected; resolves to the WebSocket part's µs (hello … connected). */
  async call(slot: number, stats: Stats): Promise<number | null> {
    const url = this.spec.urls[slot % this.spec.urls.length];
    const since = Math.floor(Date.now() / 1000) - 1;
    const created = await this.#request('POST', `/v1/calls/${url.callToken}`, { 'content-type': 'application/json' }, CALL_BODY);
    if (created.status !== 200) return this.#failed(stats, `POST /v1/calls: ${created.status}`);
    const { callId, websocketToken: callerAuth } = JSON.parse(created.text) as { callId: string; websocketToken: string };
    const path = `/v1/calls?version=${since}`;
    let creds = this.#creds.get(url.ownerToken);
    if (!creds) this.#creds.set(url.ownerToken, (creds = credentialsOfToken(url.ownerToken)));
    const authorization = hawkAuthorization(creds, {
      method: 'GET', resource: path, host: '127.0.0.1', port: this.spec.port, ts: Math.floor(Date.now() / 1000), nonce: `${RUN_NONCE}-${(this.#nonce++).toString(36)}`,
    });
    const listed = await this.#request('GET', path, { authorization });
    if (listed.status !== 200) return this.#failed(stats, `GET /v1/calls: ${listed.status}`);
    const item = (JSON.parse(listed.text) as { calls: { callId: string; websocketToken: string }[] }).calls.find((c) => c.callId === callId);
    if (!item) return this.#failed(stats, 'GET /v1/calls: the new call is not listed');
    const started = performance.now();
    try {
      await this.#progress(callId, callerAuth, item.websocketToken);
    } catch (err) {
      return this.#failed(stats, err instanceof Error ? err.message : String(err));
    }
    return (performance.now() - started) * 1000;
  }

  #failed(stats: Stats, reason: string): null {
    stats.fail(reason);
    return null;
  }

  /** §12.13 success sequence on two sockets; resolves once both saw progress/connected. */
  #progress(callId: string, callerAuth: string, calleeAuth: string): Promise<void> {
    const { port, wsPath } = this.spec;
    return new Promise((resolve, reject) => {
      const caller = new MiniWebSocket(port, wsPath);
      const callee = new MiniWebSocket(port, wsPath);
      const hello = (auth: string) => JSON.stringify({ messageType: 'hello', callId, auth });
      let callerReady = false;
      let calleeOpen = false;
      let calleeHello = false;
      const connected = new Set<MiniWebSocket>();
      let done = false;
      const finish = (err?: Error): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (!err) return resolve();
        caller.terminate();
        callee.terminate();
        reject(err);
      };
      const timer = setTimeout(() => finish(new Error('not connected in time')), this.spec.callTimeoutMs);
      // The callee says hello once the caller's hello was answered: the order of the spec's typical sequence.
      const calleeSaysHello = (): void => {
        if (callerReady && calleeOpen && !calleeHello) {
          calleeHello = true;
          callee.send(hello(calleeAuth));
        }
      };
      const onMessage = (ws: MiniWebSocket, role: 'caller' | 'callee') => (data: string): void => {
        let m: { messageType?: string; state?: string; reason?: string };
        try {
          m = JSON.parse(data) as typeof m;
        } catch {
          return finish(new Error(`${role}: malformed frame`));
        }
        if (m.messageType === 'error') return finish(new Error(`${role}: error ${m.reason}`));
        if (m.messageType === 'hello') {
          if (m.state !== 'init') return finish(new Error(`${role}: hello ${m.state}`));
          if (role === 'caller') {
            callerReady = true;
            calleeSaysHello();
          }
          return;
        }
        if (m.messageType !== 'progress') return;
        if (m.state === 'terminated') return finish(new Error(`${role}: terminated ${m.reason}`));
        if (role === 'callee' && m.state === 'alerting') ws.send(ACCEPT);
        else if (role === 'caller' && m.state === 'connecting') ws.send(MEDIA_UP);
        else if (role === 'callee' && m.state === 'half-connected') ws.send(MEDIA_UP);
        else if (m.state === 'connected') {
          connected.add(ws);
          if (connected.size === 2) finish();
        }
      };
      caller.on('open', () => caller.send(hello(callerAuth)));
      callee.on('open', () => {
        calleeOpen = true;
        calleeSaysHello();
      });
      caller.on('message', onMessage(caller, 'caller'));
      callee.on('message', onMessage(callee, 'callee'));
      for (const [ws, role] of [[caller, 'caller'], [callee, 'callee']] as const) {
        ws.on('error', (err) => finish(new Error(`${role}: ${err.message}`)));
        // The server closes both sockets after `connected` (§12.7 rule 4); before that a close is a failure.
        ws.on('close', (code) => {
          if (!connected.has(ws)) finish(new Error(`${role}: closed (${code}) before connected`));
        });
      }
    });
  }
}

/** Runs calls for `durationSec` (0 s: nothing); resolves to the elapsed seconds once every call started has ended. */
async function drive(spec: CallSetupSpec, driver: Driver, durationSec: number, stats: Stats, maxCalls: number): Promise<number> {
  const started = performance.now();
  const endAt = started + durationSec * 1000;
  let slot = 0;
  let startedCalls = 0;
  const one = async (): Promise<void> => {
    const t0 = performance.now();
    const setupUs = await driver.call(slot++, stats).catch((err: unknown) => {
      stats.fail(err instanceof Error ? err.message : String(err));
      return null;
    });
    if (setupUs === null) return;
    stats.connected++;
    stats.setupUs.recordValue(Math.max(1, Math.round(setupUs)));
    stats.cycleUs.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
  };
  const inFlight = new Set<Promise<void>>();
  const track = (p: Promise<void>) => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };
  if (spec.mode === 'closed') {
    const worker = async () => {
      while (performance.now() < endAt && startedCalls < maxCalls) {
        startedCalls++;
        await one();
      }
    };
    await Promise.all(Array.from({ length: spec.concurrency }, worker));
  } else {
    const rate = spec.rate ?? 1;
    await new Promise<void>((resolve) => {
      let due = 0;
      const tick = setInterval(() => {
        const now = performance.now();
        if (now >= endAt || startedCalls >= maxCalls) {
          clearInterval(tick);
          return resolve();
        }
        const target = Math.floor(((now - started) / 1000) * rate);
        for (; due < target && startedCalls < maxCalls; due++) {
          stats.lagUs.recordValue(Math.max(1, Math.round((now - (started + (due * 1000) / rate)) * 1000)));
          startedCalls++;
          track(one());
        }
      }, 1);
    });
    await Promise.all([...inFlight]);
  }
  return (performance.now() - started) / 1000;
}

const ms = (us: number): number => Math.round(us) / 1000;
function percentiles(h: Stats['setupUs']): Percentiles {
  return { p50: ms(h.getValueAtPercentile(50)), p90: ms(h.getValueAtPercentile(90)), p99: ms(h.getValueAtPercentile(99)), max: ms(h.maxValue) };
}

/** What the bench reads from a call-setup run, beyond the LoadResult. */
export interface CallSetupExtra {
  readonly cycleMs: Percentiles;
  readonly failures: Readonly<Record<string, number>>;
}

process.once('message', (spec: CallSetupSpec) => {
  (async () => {
    const driver = new Driver(spec);
    try {
      if (spec.warmupSec > 0) await drive(spec, driver, spec.warmupSec, new Stats(), spec.maxCalls);
      const stats = new Stats();
      post({ type: 'measuring' });
      const elapsedSec = await drive(spec, driver, spec.durationSec, stats, spec.maxCalls);
      post({ type: 'measured' });
      const result: LoadResult & CallSetupExtra = {
        mode: spec.mode,
        durationSec: elapsedSec,
        requests: stats.connected * MESSAGES_PER_CALL,
        cycles: stats.connected,
        requestsPerSec: (stats.connected * MESSAGES_PER_CALL) / elapsedSec,
        cyclesPerSec: stats.connected / elapsedSec,
        latencyMs: percentiles(stats.setupUs),
        cycleMs: percentiles(stats.cycleUs),
        statusCodes: { connected: stats.connected, failed: stats.failed },
        mismatches: 0,
        errors: stats.failed,
        failures: Object.fromEntries(stats.reasons),
        scheduleLagMs: spec.mode === 'open' ? percentiles(stats.lagUs) : undefined,
        latencyOf: 'cycle',
      };
      post({ type: 'result', result });
    } finally {
      driver.close();
    }
  })().then(
    () => process.disconnect(),
    (err: unknown) => {
      post({ type: 'failed', error: err instanceof Error ? err.stack ?? err.message : String(err) });
      process.disconnect();
    },
  );
});
