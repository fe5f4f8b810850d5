import * as hdr from 'hdr-histogram-js';
import WebSocket from 'ws';
import { InboxClient, type InboxMessage } from '../../src/client/index.ts';
import type { LoadMessage, LoadResult, Percentiles } from './load-types.ts';

/**
 * A load generator made of real peers: `pairs` pairs of InboxClient (the
 * library users get), each pair playing ping-pong through signalbox as fast as
 * it goes. One cycle = A sends to B, B's client receives it and replies, A's
 * client receives the reply. Loopback only; bounded by duration.
 */
export interface ClientRoundTripSpec {
  readonly port: number;
  readonly pairs: number;
  readonly transport: 'websocket' | 'poll';
  readonly durationSec: number;
  readonly warmupSec: number;
}

const post = (m: LoadMessage) => process.send!(m);
const ms = (us: number) => Math.round(us) / 1000;

async function pair(spec: ClientRoundTripSpec, i: number): Promise<{ a: InboxClient; b: InboxClient; aIn: AsyncIterator<InboxMessage>; bIn: AsyncIterator<InboxMessage> }> {
  const make = (name: string) =>
    new InboxClient({ url: `http://127.0.0.1:${spec.port}`, username: name, password: `pw-${name}`, transport: spec.transport, WebSocket, pollWaitSec: 5 });
  const a = make(`crt-a-${process.pid}-${i}`);
  const b = make(`crt-b-${process.pid}-${i}`);
  await Promise.all([a.start(), b.start()]);
  return { a, b, aIn: a.messages(), bIn: b.messages() };
}

process.once('message', (spec: ClientRoundTripSpec) => {
  (async () => {
    const peers = await Promise.all(Array.from({ length: spec.pairs }, (_, i) => pair(spec, i)));
    const latencyUs = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
    let cycles = 0;
    let errors = 0;
    let measuring = false;
    const run = async (p: (typeof peers)[number], i: number, until: number) => {
      const aName = `crt-a-${process.pid}-${i}`;
      const bName = `crt-b-${process.pid}-${i}`;
      for (let n = 0; performance.now() < until; n++) {
        const t0 = performance.now();
        try {
          await p.a.send(bName, `{"ping":${n}}`, 'application/json');
          const got = await p.bIn.next();
          if (got.done) throw new Error('B stopped');
          await p.b.send(aName, `{"pong":${n}}`, 'application/json');
          const back = await p.aIn.next();
          if (back.done) throw new Error('A stopped');
        } catch {
          errors++;
          continue;
        }
        if (measuring) {
          cycles++;
          latencyUs.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
        }
      }
    };
    await Promise.all(peers.map((p, i) => run(p, i, performance.now() + spec.warmupSec * 1000)));
    post({ type: 'measuring' });
    measuring = true;
    const started = performance.now();
    await Promise.all(peers.map((p, i) => run(p, i, started + spec.durationSec * 1000)));
    measuring = false;
    const elapsed = (performance.now() - started) / 1000;
    post({ type: 'measured' });
    const pct: Percentiles = {
      p50: ms(latencyUs.getValueAtPercentile(50)), p90: ms(latencyUs.getValueAtPercentile(90)),
      p99: ms(latencyUs.getValueAtPercentile(99)), max: ms(latencyUs.maxValue),
    };
    // Two POSTs per cycle; the deliveries ride on the sockets (or long-polls).
    const result: LoadResult = {
      mode: 'closed', durationSec: elapsed, requests: cycles * 2, cycles, requestsPerSec: (cycles * 2) / elapsed,
      cyclesPerSec: cycles / elapsed, latencyMs: pct, statusCodes: { ok: cycles }, mismatches: 0, errors, latencyOf: 'cycle',
    };
    post({ type: 'result', result });
    await Promise.all(peers.flatMap((p) => [p.a.close(), p.b.close()]));
  })().then(
    () => process.disconnect(),
    (err: unknown) => {
      post({ type: 'failed', error: err instanceof Error ? err.stack ?? err.message : String(err) });
      process.disconnect();
    },
  );
});
