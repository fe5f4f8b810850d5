/**
 * What a load run sends, described so that the load generator (a separate,
 * pinned process) can build it: a scenario module exports plan functions,
 * and the run names them by module path and export name with JSON arguments.
 */

/** One HTTP request, and the status it should get. */
export interface Step {
  readonly method: 'GET' | 'POST' | 'DELETE' | 'OPTIONS';
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** The status a correct server answers; anything else counts as a mismatch. */
  readonly expect: number;
}

/** The requests of one connection: `cycles` cycles, each a list of steps sent one after the other. */
export interface ConnectionPlan {
  readonly cycles: number;
  cycle(index: number): readonly Step[];
  /**
   * Each cycle may be sent only once (e.g. Hawk-signed requests: the server
   * refuses a replayed nonce). A timed run then never wraps around: it ends
   * early, and says so, when the first connection has used up its cycles.
   * Warm-up and measured run share the cycles.
   */
  readonly once?: boolean;
}

/** A plan function, exported by a scenario module: the plan of connection `c` of `connections`. */
export type PlanFn = (args: never, c: number, connections: number) => ConnectionPlan;

/** How a run refers to its plan function across the process boundary. */
export interface PlanRef {
  /** Absolute path of the module (use `fileURLToPath(import.meta.url)`). */
  readonly module: string;
  readonly fn: string;
  readonly args: unknown;
}

export function basic(username: string, password: string): string {
  return 'Basic ' + Buffer.from(`${username}:${password}`).toString('base64');
}

/** The password every bench inbox uses (derived from its name, so any process can rebuild it). */
export function passwordOf(name: string): string {
  return `pw-${name}`;
}

/** Authorization header of the bench inbox `name`. */
export function authOf(name: string): Record<string, string> {
  return { authorization: basic(name, passwordOf(name)) };
}

/** A bench inbox name: a prefix and a number, as the many UUID-like names of real peers would be. */
export function inboxName(prefix: string, i: number): string {
  return `${prefix}-${i.toString(36).padStart(6, '0')}`;
}

/** Splits `total` items over `connections`: the [from, to) range of connection c. */
export function share(total: number, c: number, connections: number): [number, number] {
  const from = Math.floor((total * c) / connections);
  const to = Math.floor((total * (c + 1)) / connections);
  return [from, to];
}

/** The wire form of a step (HTTP/1.1, keep-alive). */
export function rawRequest(step: Step, host: string): Buffer {
  const body = step.body === undefined ? undefined : Buffer.from(step.body);
  let head = `${step.method} ${step.path} HTTP/1.1\r\nhost: ${host}\r\n`;
  for (const [k, v] of Object.entries(step.headers)) head += `${k}: ${v}\r\n`;
  if (body) head += `content-length: ${body.length}\r\n`;
  head += '\r\n';
  return body ? Buffer.concat([Buffer.from(head, 'latin1'), body]) : Buffer.from(head, 'latin1');
}

/** The plan that creates inboxes `prefix-first` … `prefix-(first+count-1)` (one empty GET each: 204, created). */
export function createInboxes(args: { prefix: string; first?: number; count: number }, c: number, connections: number): ConnectionPlan {
  const [from, to] = share(args.count, c, connections);
  const first = (args.first ?? 0) + from;
  return {
    cycles: to - from,
    cycle: (i) => {
      const name = inboxName(args.prefix, first + i);
      return [{ method: 'GET', path: '/inbox', headers: authOf(name), expect: 204 }];
    },
  };
}
