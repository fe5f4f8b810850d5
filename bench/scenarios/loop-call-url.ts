import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { HawkCredentials } from '../../src/loop/credentials.ts';
import { credentialsOfToken, hawkAuthorization } from '../lib/hawk-sign.ts';
import { registerSessions } from '../lib/loop-setup.ts';
import type { ConnectionPlan, PlanRef } from '../lib/plan.ts';
import type { Scenario } from '../lib/scenario.ts';
import { startSignalbox } from '../lib/servers.ts';
import { measureThroughput, type RunShape } from '../lib/throughput.ts';

const MODULE = fileURLToPath(import.meta.url);
/** Issue 3: the original answers about 1,700 Hawk-authenticated requests/s on one core; the target is 20× it. */
export const REFERENCE_HAWK_PER_SEC = 1_700;
/** Sessions the requests are spread over (registered in set-up). */
const SESSIONS = 500;
/** Largest pool of signed requests one run builds (memory and build time of the generator). */
const MAX_POOL = 2_000_000;
/** Hawk accepts timestamps within ±60 s of the server's clock; pools are stamped for the middle of their run. */
const MAX_RUN_SEC = 100;
const PATH = '/v1/call-url';
const BODY = JSON.stringify({ callerId: 'bench-caller@example.test' });

export interface SignedArgs {
  /** Session tokens (each client derives its Hawk credentials from its token, §3.2). */
  readonly tokens: readonly string[];
  readonly port: number;
  /** Signed requests per connection: each is sent at most once. */
  readonly perConnection: number;
  /** Seconds the run lasts, warm-up included (timestamps are set for its middle). */
  readonly seconds: number;
}

/** Per generator process: nonces never repeat across runs. */
const RUN_NONCE = randomBytes(4).toString('hex');

/**
 * Plan: connection c sends `perConnection` POST /v1/call-url requests, each
 * Hawk-signed with its own nonce (the server refuses replays, so the plan is
 * once-only: the run ends early rather than re-send one). The requests are
 * signed when the generator builds its plans, before any load: signing costs
 * the generator nothing during the measured window.
 */
export function signedCallUrls(args: SignedArgs, c: number, connections: number): ConnectionPlan {
  const creds = new Map<number, HawkCredentials>();
  const credsOf = (s: number) => {
    let found = creds.get(s);
    if (!found) creds.set(s, (found = credentialsOfToken(args.tokens[s])));
    return found;
  };
  const ts = Math.floor(Date.now() / 1000 + args.seconds / 2);
  return {
    cycles: args.perConnection,
    once: true,
    cycle: (i) => {
      const session = (c + i * connections) % args.tokens.length;
      const nonce = `${RUN_NONCE}${c.toString(36)}-${i.toString(36)}`;
      const authorization = hawkAuthorization(credsOf(session), { method: 'POST', resource: PATH, host: '127.0.0.1', port: args.port, ts, nonce });
      return [{ method: 'POST', path: PATH, headers: { authorization, 'content-type': 'application/json' }, body: BODY, expect: 200 }];
    },
  };
}

/**
 * A plan sized for one run: the max run gets BENCH_SIGNED_RATE × its seconds
 * (bounded by MAX_POOL), the half-load run its asked rate × seconds plus slack.
 */
export function signedPlan(tokens: readonly string[], port: number, connections: number, pipelining: number, signedRate: number) {
  return (run: RunShape): PlanRef => {
    if (run.seconds > MAX_RUN_SEC) throw new Error(`signed requests: a run of ${run.seconds} s is longer than Hawk's timestamp window allows (${MAX_RUN_SEC} s)`);
    const total = run.rate === undefined ? Math.min(MAX_POOL, Math.ceil(signedRate * run.seconds)) : Math.ceil(run.rate * run.seconds * 1.05);
    const perConnection = Math.ceil(total / connections) + pipelining;
    return { module: MODULE, fn: 'signedCallUrls', args: { tokens, port, perConnection, seconds: run.seconds } satisfies SignedArgs };
  };
}

export const scenario: Scenario = {
  name: 'loop-call-url',
  description: 'Loop: POST /v1/call-url {callerId} with Hawk (every request its own nonce, over many sessions): 200',
  async run(ctx) {
    const o = ctx.options;
    const server = await startSignalbox(o);
    try {
      const tokens = await registerSessions(server, SESSIONS);
      ctx.log(`loop-call-url: ${SESSIONS} sessions registered; pools of signed requests sized for ${o.signedRate.toLocaleString('en')}/s (BENCH_SIGNED_RATE)`);
      return await measureThroughput(ctx, {
        scenario: 'loop-call-url',
        server,
        plan: signedPlan(tokens, server.port, o.connections, o.pipelining, o.signedRate),
        // Once-only requests: autocannon would re-send them (replays), so the raw client always.
        maxMode: 'closed',
        pipelining: o.pipelining,
        targets: { reqPerSec: 20 * REFERENCE_HAWK_PER_SEC, halfLoadP99Ms: 5 },
      });
    } finally {
      await server.stop();
    }
  },
};
