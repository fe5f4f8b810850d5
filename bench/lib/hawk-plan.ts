import { randomBytes } from 'node:crypto';
import type { HawkCredentials } from '../../src/loop/credentials.ts';
import { credentialsOfToken, hawkAuthorization } from './hawk-sign.ts';
import type { BenchOptions } from './options.ts';
import type { Step } from './plan.ts';
import type { RunShape } from './throughput.ts';

/** Largest pool of signed requests one run builds (memory and build time of the generator). */
const MAX_POOL = 2_000_000;
/** Hawk accepts timestamps within ±60 s of the server's clock; pools are stamped for the middle of their run. */
const MAX_RUN_SEC = 100;

/** Per load-generator process: nonces never repeat across runs. */
const RUN_NONCE = randomBytes(4).toString('hex');

/** What every plan of Hawk-signed requests gets in its arguments. */
export interface SignedArgs {
  /** Session tokens (a client derives its Hawk credentials from its token, §3.2). */
  readonly tokens: readonly string[];
  readonly port: number;
  /** Cycles per connection: each is sent at most once (the server refuses replayed nonces). */
  readonly cyclesPerConnection: number;
  /** Seconds the run lasts, warm-up included (timestamps are set for its middle). */
  readonly seconds: number;
}

/**
 * Signs the requests of connection `c`: every request gets its own nonce.
 * Requests are signed when the generator builds its plans, before any load,
 * so signing costs nothing during the measured window.
 */
export function signerFor(args: SignedArgs, c: number): (session: number, step: Omit<Step, 'headers'> & { headers?: Record<string, string> }) => Step {
  const creds = new Map<number, HawkCredentials>();
  const ts = Math.floor(Date.now() / 1000 + args.seconds / 2);
  let n = 0;
  return (session, step) => {
    const s = session % args.tokens.length;
    let found = creds.get(s);
    if (!found) creds.set(s, (found = credentialsOfToken(args.tokens[s])));
    const nonce = `${RUN_NONCE}${c.toString(36)}-${(n++).toString(36)}`;
    const authorization = hawkAuthorization(found, { method: step.method, resource: step.path, host: '127.0.0.1', port: args.port, ts, nonce });
    return { ...step, headers: { ...step.headers, authorization } };
  };
}

/**
 * Sizes a once-only plan for each run: the max run gets BENCH_SIGNED_RATE
 * requests/s × its seconds (bounded by MAX_POOL), the half-load run its
 * asked rate × seconds plus slack. `stepsPerCycle` requests make one cycle.
 */
export function signedPlanArgs(
  o: Pick<BenchOptions, 'signedRate' | 'connections' | 'pipelining'>,
  base: { tokens: readonly string[]; port: number },
  stepsPerCycle = 1,
): (run: RunShape) => SignedArgs {
  return (run) => {
    if (run.seconds > MAX_RUN_SEC) throw new Error(`signed requests: a run of ${run.seconds} s is longer than Hawk's timestamp window allows (${MAX_RUN_SEC} s)`);
    const cycles = run.rate === undefined
      ? Math.min(MAX_POOL, o.signedRate * run.seconds) / stepsPerCycle
      : run.rate * run.seconds * 1.05;
    return { ...base, cyclesPerConnection: Math.ceil(cycles / o.connections) + o.pipelining, seconds: run.seconds };
  };
}
