import { randomInt } from 'node:crypto';
import { pino } from 'pino';
import type { AppDeps } from '../../src/app.ts';
import { startLoopServer } from '../helpers/loop.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { KNOWN_FAILING } from './known-failing.ts';
import { Rng } from './rng.ts';

/**
 * The fuzz harness: one real in-process server per surface, a seeded stream
 * of generated cases run N at a time, and the checks that hold whatever the
 * input: no crash, no 500, only statuses the spec lists, nothing logged as an
 * error or with a stack, and no request left without an answer.
 *
 * FUZZ_SEED=<u32> replays a run; FUZZ_CASES=<n> sets the total number of cases
 * across the four surfaces (default 12,000); FUZZ_KNOWN=1 also runs the kinds
 * listed in known-failing.ts.
 */

export const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) >>> 0 : randomInt(0, 2 ** 32 - 1);
export const TOTAL_CASES = process.env.FUZZ_CASES ? Math.max(1, Number(process.env.FUZZ_CASES)) : 12_000;
export const RUN_KNOWN = process.env.FUZZ_KNOWN === '1';
/** Every request, and every WebSocket exchange, must settle within this. */
export const REQUEST_TIMEOUT_MS = 5000;

/** This surface's share of the total (shares add up to 1 over the four files). */
export const casesFor = (share: number): number => Math.max(1, Math.round(TOTAL_CASES * share));

export interface FuzzCase {
  /** `surface/what`: the name KNOWN_FAILING uses. */
  readonly kind: string;
  /** What was sent, readable enough to rebuild the request by hand. */
  readonly what: string;
  /** Runs the case; returns the problems found (empty: it passed). */
  run(): Promise<string[]>;
}

export type CaseFactory = (r: Rng, index: number) => FuzzCase;

/** Log records kept in memory: the app's pino logger writes here. */
export class LogSink {
  readonly lines: Record<string, unknown>[] = [];
  #read = 0;

  readonly stream = {
    write: (line: string) => {
      try {
        this.lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        this.lines.push({ level: 60, msg: `unparsable log line: ${line}` });
      }
    },
  };

  /** Records not yet seen that are errors: level ≥ 50 (error, fatal) or carrying a stack. */
  takeBad(): Record<string, unknown>[] {
    const fresh = this.lines.slice(this.#read);
    this.#read = this.lines.length;
    return fresh.filter((l) => (l.level as number) >= 50 || hasStack(l));
  }
}

function hasStack(record: Record<string, unknown>): boolean {
  const err = record.err as { stack?: unknown } | undefined;
  return typeof err?.stack === 'string' || JSON.stringify(record).includes('"stack":');
}

export interface FuzzServer {
  readonly server: TestServer;
  readonly logs: LogSink;
  /** Uncaught exceptions and unhandled rejections seen while the server ran. */
  readonly crashes: unknown[];
  close(): Promise<void>;
}

/**
 * Starts the server under fuzz on 127.0.0.1:0 with an in-memory logger (level
 * info, so any record with a stack is seen) and watches the process for
 * uncaught errors. `loop`: with the Loop §17 config file (fake provider,
 * fake BrowserID) merged with this object.
 */
export async function startFuzzServer(o: { env?: Record<string, string>; loop?: Record<string, unknown> } = {}): Promise<FuzzServer> {
  const logs = new LogSink();
  const crashes: unknown[] = [];
  const onCrash = (err: unknown) => crashes.push(err);
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  const deps: AppDeps = { logger: pino({ level: 'info' }, logs.stream) };
  const env = { RATE_LIMITS: 'off', LOG_LEVEL: 'info', ...o.env };
  const server = o.loop ? await startLoopServer(o.loop, deps, env) : await startServer(env, deps);
  return {
    server,
    logs,
    crashes,
    async close() {
      await server.close();
      process.off('uncaughtException', onCrash);
      process.off('unhandledRejection', onCrash);
    },
  };
}

export interface FuzzReport {
  readonly ran: number;
  readonly skipped: number;
  readonly ms: number;
  /** Cases run by kind. */
  readonly kinds: Record<string, number>;
  /** Outcomes ("200", "close 4400", …) by count. */
  readonly outcomes: Record<string, number>;
  readonly failures: string[];
}

export interface FuzzRun {
  readonly surface: string;
  readonly cases: number;
  readonly concurrency: number;
  readonly fuzz: FuzzServer;
  readonly make: CaseFactory;
  /** Counts an outcome label, for the summary. */
  readonly outcomes?: Record<string, number>;
}

const MAX_REPORTED = 8;

/**
 * Runs `cases` generated cases, `concurrency` at a time. A case's problems,
 * its timeout, error log records and crashes that happen while it is in flight
 * make failures; the report lists them with the seed and the cases in flight.
 */
export async function runFuzz(o: FuzzRun): Promise<FuzzReport> {
  const started = performance.now();
  const kinds: Record<string, number> = {};
  const failures: string[] = [];
  const inFlight = new Map<number, FuzzCase>();
  let next = 0;
  let skipped = 0;
  let crashesSeen = 0;

  const describe = (index: number, c: FuzzCase) => `#${index} [${c.kind}] ${c.what}`;
  const fail = (text: string) => {
    if (failures.length < MAX_REPORTED) failures.push(text);
    else if (failures.length === MAX_REPORTED) failures.push('… (more failures not shown)');
  };
  const checkServer = (index: number, c: FuzzCase) => {
    const bad = o.fuzz.logs.takeBad();
    const crashes = o.fuzz.crashes.slice(crashesSeen);
    crashesSeen = o.fuzz.crashes.length;
    if (bad.length === 0 && crashes.length === 0) return;
    const others = [...inFlight].filter(([i]) => i !== index).map(([i, f]) => clip(describe(i, f), 240));
    for (const err of crashes) fail(`CRASH ${String((err as Error)?.stack ?? err)}\n  while running ${describe(index, c)}\n  in flight: ${others.join('\n    ') || 'none'}`);
    for (const rec of bad) fail(`ERROR LOGGED ${clip(JSON.stringify(rec), 1500)}\n  while running ${describe(index, c)}\n  in flight: ${others.join('\n    ') || 'none'}`);
  };

  const worker = async () => {
    while (next < o.cases && failures.length <= MAX_REPORTED) {
      const index = next++;
      const c = o.make(Rng.forCase(SEED, o.surface, index), index);
      if (!RUN_KNOWN && Object.hasOwn(KNOWN_FAILING, c.kind)) {
        skipped++;
        continue;
      }
      kinds[c.kind] = (kinds[c.kind] ?? 0) + 1;
      inFlight.set(index, c);
      let problems: string[];
      try {
        problems = await withDeadline(c.run(), 3 * REQUEST_TIMEOUT_MS, 'the case as a whole');
      } catch (err) {
        problems = [`HANG or client failure: ${(err as Error).message}`];
      }
      checkServer(index, c);
      inFlight.delete(index);
      for (const p of problems) fail(`${p}\n  case ${describe(index, c)}`);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  // Errors logged by work that outlived its request (background store calls, timers).
  await new Promise((r) => setTimeout(r, 50));
  checkServer(-1, { kind: 'after the run', what: '', run: async () => [] });
  return { ran: next - skipped, skipped, ms: performance.now() - started, kinds, outcomes: o.outcomes ?? {}, failures };
}

/** The text a failed fuzz test shows: seed, how to replay, each failure. */
export function failureText(surface: string, report: FuzzReport): string {
  return [
    `fuzz ${surface}: ${report.failures.length} failure(s) in ${report.ran} cases; replay with FUZZ_SEED=${SEED} FUZZ_CASES=${TOTAL_CASES}`,
    ...report.failures.map((f, i) => `--- ${i + 1}. ${f}`),
  ].join('\n');
}

export function summary(surface: string, report: FuzzReport): string {
  const top = Object.entries(report.outcomes).sort((a, b) => b[1] - a[1]).slice(0, 24).map(([k, n]) => `${k}×${n}`).join(' ');
  return `fuzz ${surface}: seed ${SEED}, ${report.ran} cases (${report.skipped} known-failing skipped) in ${Math.round(report.ms)} ms; ${top}`;
}

export function count(outcomes: Record<string, number>, label: string): void {
  outcomes[label] = (outcomes[label] ?? 0) + 1;
}

export async function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** A short, printable preview of bytes or text. */
export function preview(data: Buffer | string, max = 160): string {
  const text = typeof data === 'string' ? data : data.toString('latin1');
  return clip(JSON.stringify(text), max) + ` (${typeof data === 'string' ? text.length + ' chars' : data.length + ' bytes'})`;
}

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…[${text.length - max} more]`;
}

/** A status-set check: the message names the allowed ones. */
export function statusProblem(status: number, allowed: ReadonlySet<number>, where: string): string | undefined {
  if (status === 500) return `500 from ${where}`;
  if (!allowed.has(status)) return `status ${status || '(closed, no response)'} is not one the spec lists for ${where} (allowed: ${[...allowed].join(', ')})`;
  return undefined;
}
