import { field, parseIntLoose, type LoopBody } from '../body.ts';
import { loopErrors, type LoopError } from '../errors.ts';

/** The participant actions of §8.10. */
export const ROOM_ACTIONS = new Set(['join', 'refresh', 'status', 'leave', 'logDomain']);

const STATUS_FIELDS = ['event', 'state', 'connections', 'sendStreams', 'recvStreams'] as const;
const COUNTS = new Set<string>(['connections', 'sendStreams', 'recvStreams']);

/** A `status` report (client WebRTC metrics), only logged. */
export interface StatusReport {
  readonly event: unknown;
  readonly state: unknown;
  readonly connections: number;
  readonly sendStreams: number;
  readonly recvStreams: number;
}

/**
 * §8.10 status: the five fields in order, the first missing one named in
 * quotes; the three counts must parse as integers ≥ 0.
 */
export function statusReport(body: LoopBody): StatusReport | LoopError {
  const out: Record<string, unknown> = {};
  for (const name of STATUS_FIELDS) {
    const value = field(body, name);
    if (value === undefined) return loopErrors.invalid(`'${name}' field is missing in body.`);
    if (COUNTS.has(name)) {
      const n = parseIntLoose(value);
      if (Number.isNaN(n) || n < 0) return loopErrors.invalid(`Invalid ${name} number.`);
      out[name] = n;
    } else {
      out[name] = value;
    }
  }
  return out as unknown as StatusReport;
}

const DOMAINS_MESSAGE = 'Domains must be a list of objects with both a ``domain`` and ``count`` property.';
const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** §8.10 logDomain: `domains` required, a list of objects each with own `domain` and `count`. */
export function domainCounts(body: LoopBody): { domain: unknown; count: unknown }[] | LoopError {
  const domains = field(body, 'domains');
  if (domains === undefined) return loopErrors.missing(['domains']);
  const valid = Array.isArray(domains) &&
    domains.every((d) => d !== null && typeof d === 'object' && !Array.isArray(d) && own(d, 'domain') && own(d, 'count'));
  if (!valid) return loopErrors.invalid(DOMAINS_MESSAGE);
  return (domains as { domain: unknown; count: unknown }[]).map((d) => ({ domain: d.domain, count: d.count }));
}
