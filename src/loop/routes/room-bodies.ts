import type { RoomContext } from '../../store/rooms.ts';
import { field, parseIntLoose, type LoopBody } from '../body.ts';
import { WRONG_TYPE, type Given, type JsonValue } from '../input.ts';
import type { BulkDelete } from '../rooms/owner.ts';
import type { JoinRequest } from '../rooms/participants.ts';
import type { DomainCount, DomainLogInput, StatusInput } from '../rooms/status.ts';
import type { RoomInput } from '../rooms/validation.ts';

/*
 * The rooms request bodies (§8) read into the typed inputs of the rooms
 * domain. Only JSON shapes are looked at here: every rule, message and the
 * order of the checks belong to the domain (src/loop/rooms/).
 */

/** A string; `null` and other types are WRONG_TYPE. */
function stringOf(body: LoopBody, name: string): Given<string> | undefined {
  const v = field(body, name);
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : WRONG_TYPE;
}

/** §0 "parse as integer" of a present value (NaN when it does not parse). */
function integerOf(body: LoopBody, name: string): number | undefined {
  const v = field(body, name);
  return v === undefined ? undefined : parseIntLoose(v);
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** POST /rooms and PATCH /rooms/{token}: the §8.2 fields. */
export function roomInput(body: LoopBody): RoomInput {
  const out: { -readonly [K in keyof RoomInput]: RoomInput[K] } = {};
  const roomName = stringOf(body, 'roomName');
  if (roomName !== undefined) out.roomName = roomName;
  const context = field(body, 'context');
  if (context !== undefined) out.context = isPlainObject(context) ? (context as RoomContext) : WRONG_TYPE;
  const roomOwner = stringOf(body, 'roomOwner');
  if (roomOwner !== undefined) out.roomOwner = roomOwner;
  const expiresIn = integerOf(body, 'expiresIn');
  if (expiresIn !== undefined) out.expiresIn = expiresIn;
  const maxSize = integerOf(body, 'maxSize');
  if (maxSize !== undefined) out.maxSize = maxSize;
  const channel = field(body, 'channel');
  if (channel !== undefined && channel !== null) out.channel = typeof channel === 'string' ? channel : WRONG_TYPE;
  return out;
}

/** PATCH /rooms: `deleteRoomTokens`, an array of strings. */
export function bulkDelete(body: LoopBody): BulkDelete {
  const tokens = field(body, 'deleteRoomTokens');
  if (tokens === undefined) return {};
  const ok = Array.isArray(tokens) && tokens.every((t) => typeof t === 'string');
  return { deleteRoomTokens: ok ? (tokens as string[]) : WRONG_TYPE };
}

/** GET /rooms `?version=N`: N as an integer, 0 when absent or not a number (§8.4). */
export function roomsSince(version: string | null): number {
  const n = version === null ? NaN : parseIntLoose(version);
  return Number.isNaN(n) ? 0 : n;
}

/** The `join` action's fields. */
export function joinRequest(body: LoopBody): JoinRequest {
  const out: { -readonly [K in keyof JoinRequest]: JoinRequest[K] } = {};
  const displayName = stringOf(body, 'displayName');
  if (displayName !== undefined) out.displayName = displayName;
  const clientMaxSize = integerOf(body, 'clientMaxSize');
  if (clientMaxSize !== undefined) out.clientMaxSize = clientMaxSize;
  return out;
}

/** The `status` action's fields, the counts parsed as integers. */
export function statusInput(body: LoopBody): StatusInput {
  const out: { -readonly [K in keyof StatusInput]: StatusInput[K] } = {};
  const event = field(body, 'event');
  if (event !== undefined) out.event = event as JsonValue;
  const state = field(body, 'state');
  if (state !== undefined) out.state = state as JsonValue;
  for (const name of ['connections', 'sendStreams', 'recvStreams'] as const) {
    const n = integerOf(body, name);
    if (n !== undefined) out[name] = n;
  }
  return out;
}

/** The `logDomain` action's `domains`: a list of objects each with own `domain` and `count`. */
export function domainLogInput(body: LoopBody): DomainLogInput {
  const domains = field(body, 'domains');
  if (domains === undefined) return {};
  const valid = Array.isArray(domains) && domains.every((d) => isPlainObject(d) && own(d, 'domain') && own(d, 'count'));
  if (!valid) return { domains: WRONG_TYPE };
  return { domains: (domains as DomainCount[]).map((d): DomainCount => ({ domain: d.domain, count: d.count })) };
}
