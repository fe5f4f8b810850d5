import type { RoomContext } from '../../store/rooms.ts';
import { loopErrors, type LoopError } from '../errors.ts';
import { WRONG_TYPE, type Given } from '../input.ts';
import type { LoopConfig } from '../settings.ts';

/** The `rooms` settings of §15. Hours for the TTLs, seconds for participantTTL and deletedTTL. */
export type RoomSettings = LoopConfig['rooms'];

/**
 * A create (POST /rooms) or update (PATCH /rooms/{token}) request as read
 * from its body, not yet validated (§8.2). Absent fields are absent; `null`
 * counts as present.
 */
export interface RoomInput {
  /** `null` or a non-string is WRONG_TYPE. */
  readonly roomName?: Given<string>;
  /** A JSON object; `null`, an array or a scalar is WRONG_TYPE. Its keys are checked here. */
  readonly context?: Given<RoomContext>;
  /** `null` or a non-string is WRONG_TYPE. */
  readonly roomOwner?: Given<string>;
  /** Hours as an integer (§0 "parse as integer"); NaN when the value does not parse. */
  readonly expiresIn?: number;
  /** An integer (§0 "parse as integer"); NaN when the value does not parse. */
  readonly maxSize?: number;
  /** Provider channel; `null` is absent, a non-string WRONG_TYPE. */
  readonly channel?: Given<string>;
}

/** A POST /rooms request. */
export type RoomCreate = RoomInput;
/** A PATCH /rooms/{token} request (its channel is ignored). */
export type RoomUpdate = RoomInput;

/** What a create or update asks for, validated (§8.2). Absent fields are absent. */
export interface RoomFields {
  readonly roomName?: string;
  readonly context?: RoomContext;
  readonly roomOwner?: string;
  readonly maxSize?: number;
  /** Hours: the given value or `rooms.defaultTTL`. */
  readonly expiresIn: number;
  /** Provider channel (create only; ignored by update). */
  readonly channel?: string;
}

/** The `Alert` header of §2.3, sent on any create/update whose body has `roomName`. */
export const ROOM_NAME_ALERT = ['Alert', 'The roomName parameter has been deprecated, you should use context.'] as const;

/** §8.3: the required parameters of a create, absent ones in order; the context/roomName group written with a bare comma. */
export function missingForCreate(input: RoomCreate): string[] {
  const out: string[] = [];
  if (input.context === undefined && input.roomName === undefined) out.push('context,roomName');
  if (input.roomOwner === undefined) out.push('roomOwner');
  if (input.maxSize === undefined) out.push('maxSize');
  return out;
}

const CONTEXT_KEYS = ['value', 'alg', 'wrappedKey'] as const;
const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/**
 * §8.2, in the spec's order: roomName, context, roomOwner, expiresIn,
 * maxSize; then the optional channel. Where the original crashed or stored
 * nonsense (a number whose length is measured, a maxSize of 0) the answer
 * is 400 errno 107 with a message of ours. Ours too: a context whose JSON
 * is larger than `maxContextBytes` (`limits.roomContextBytes`), checked
 * right after its shape.
 */
export function validateRoomFields(input: RoomInput, s: RoomSettings, maxContextBytes = Infinity): RoomFields | LoopError {
  const out: { -readonly [K in keyof RoomFields]: RoomFields[K] } = { expiresIn: s.defaultTTL };
  const { roomName, context, roomOwner, expiresIn, maxSize, channel } = input;
  if (roomName !== undefined) {
    if (roomName === WRONG_TYPE) return loopErrors.invalid('roomName should be a string');
    if (roomName.length > s.maxRoomNameSize) {
      return loopErrors.invalid(`roomName should be shorter than ${s.maxRoomNameSize} characters`);
    }
    out.roomName = roomName;
  }
  if (context !== undefined) {
    if (roomName !== undefined) {
      return loopErrors.invalid('roomName has been deprecated, please store it encrypted inside the context.');
    }
    if (context === WRONG_TYPE || !CONTEXT_KEYS.every((k) => own(context, k))) {
      return loopErrors.invalid('context should be an object containing `value`, `alg` and `wrappedKey` properties.');
    }
    // The body's depth is already bounded (limits.jsonDepth), so measuring the context cannot recurse deeply.
    // A cheap upper bound first (~50 ns): the exact size (~1 µs) only for a context that could be too large.
    if (maxContextBytes !== Infinity && jsonBytesBound(context) > maxContextBytes && Buffer.byteLength(JSON.stringify(context)) > maxContextBytes) {
      return loopErrors.invalid(`context should not be larger than ${maxContextBytes} bytes`);
    }
    out.context = context;
  }
  if (roomOwner !== undefined) {
    if (roomOwner === WRONG_TYPE) return loopErrors.invalid('roomOwner should be a string');
    if (roomOwner.length > s.maxRoomOwnerSize) {
      return loopErrors.invalid(`roomOwner should be shorter than ${s.maxRoomOwnerSize} characters`);
    }
    out.roomOwner = roomOwner;
  }
  if (expiresIn !== undefined) {
    // The original failed with a 503 on 0 or less; §8.2 asks for this 400 instead.
    if (Number.isNaN(expiresIn) || expiresIn <= 0) return loopErrors.invalid('expiresIn should be a valid number');
    if (expiresIn > s.maxTTL) return loopErrors.invalid(`expiresIn cannot be greater than ${s.maxTTL}`);
    out.expiresIn = expiresIn;
  }
  if (maxSize !== undefined) {
    if (maxSize > s.maxSize) return loopErrors.invalid(`maxSize cannot be greater than ${s.maxSize}`);
    // The original stored NaN, 0 or negative sizes (a room nobody could join); §8.2 lets us refuse them.
    if (Number.isNaN(maxSize) || maxSize <= 0) return loopErrors.invalid('maxSize should be a positive number');
    out.maxSize = maxSize;
  }
  if (channel !== undefined) {
    if (channel === WRONG_TYPE) return loopErrors.invalid('channel should be a string');
    if (channel !== '') out.channel = channel;
  }
  return out;
}

/**
 * An upper bound of the UTF-8 bytes of JSON.stringify(value) for parsed JSON,
 * without building the string: a UTF-16 unit takes at most 6 bytes (`\uXXXX`),
 * a number at most 32 characters, true/false/null at most 5.
 */
function jsonBytesBound(value: unknown): number {
  if (typeof value === 'string') return 2 + 6 * value.length;
  if (value === null || typeof value !== 'object') return 32;
  let n = 2;
  if (Array.isArray(value)) {
    for (const v of value) n += 1 + jsonBytesBound(v);
    return n;
  }
  for (const k in value) n += 4 + 6 * k.length + jsonBytesBound((value as Record<string, unknown>)[k]);
  return n;
}
