import { loopErrors, type LoopError } from '../errors.ts';
import { WRONG_TYPE, type Given, type JsonValue } from '../input.ts';

/** The participant actions of §8.10. */
export const ROOM_ACTIONS = new Set(['join', 'refresh', 'status', 'leave', 'logDomain']);

/** A `status` request as read from its body; absent fields are absent, `null` is present. */
export interface StatusInput {
  readonly event?: JsonValue;
  readonly state?: JsonValue;
  /** The counts as integers (§0 "parse as integer"); NaN when a value does not parse. */
  readonly connections?: number;
  readonly sendStreams?: number;
  readonly recvStreams?: number;
}

/** A `status` report (client WebRTC metrics), only logged. */
export interface StatusReport {
  readonly event: JsonValue;
  readonly state: JsonValue;
  readonly connections: number;
  readonly sendStreams: number;
  readonly recvStreams: number;
}

const STATUS_FIELDS = ['event', 'state', 'connections', 'sendStreams', 'recvStreams'] as const;
const COUNTS = new Set<string>(['connections', 'sendStreams', 'recvStreams']);

/**
 * §8.10 status: the five fields in order, the first missing one named in
 * quotes; the three counts must be integers ≥ 0.
 */
export function statusReport(input: StatusInput): StatusReport | LoopError {
  for (const name of STATUS_FIELDS) {
    const value = input[name];
    if (value === undefined) return loopErrors.invalid(`'${name}' field is missing in body.`);
    if (COUNTS.has(name) && (Number.isNaN(value) || (value as number) < 0)) return loopErrors.invalid(`Invalid ${name} number.`);
  }
  const { event, state, connections, sendStreams, recvStreams } = input as StatusReport;
  return { event, state, connections, sendStreams, recvStreams };
}

/** One entry of a `logDomain` report. */
export interface DomainCount {
  readonly domain: JsonValue;
  readonly count: JsonValue;
}

/** A `logDomain` request as read from its body: WRONG_TYPE unless a list of objects each with own `domain` and `count`. */
export interface DomainLogInput {
  readonly domains?: Given<readonly DomainCount[]>;
}

const DOMAINS_MESSAGE = 'Domains must be a list of objects with both a ``domain`` and ``count`` property.';

/** §8.10 logDomain: `domains` required, a list of objects each with `domain` and `count`. */
export function domainCounts(input: DomainLogInput): readonly DomainCount[] | LoopError {
  const { domains } = input;
  if (domains === undefined) return loopErrors.missing(['domains']);
  if (domains === WRONG_TYPE) return loopErrors.invalid(DOMAINS_MESSAGE);
  return domains;
}
