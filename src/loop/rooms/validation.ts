import type { RoomContext } from '../../store/rooms.ts';
import { field, parseIntLoose, type LoopBody } from '../body.ts';
import { loopErrors, type LoopError } from '../errors.ts';
import type { LoopConfig } from '../settings.ts';

/** The `rooms` settings of §15. Hours for the TTLs, seconds for participantTTL and deletedTTL. */
export type RoomSettings = LoopConfig['rooms'];

/** What a create or update body asks for, validated (§8.2). Absent fields are absent. */
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

export const hasRoomName = (body: LoopBody): boolean => field(body, 'roomName') !== undefined;

/** §8.3: the required parameters of a create, absent ones in order; the context/roomName group written with a bare comma. */
export function missingForCreate(body: LoopBody): string[] {
  const out: string[] = [];
  if (field(body, 'context') === undefined && field(body, 'roomName') === undefined) out.push('context,roomName');
  for (const name of ['roomOwner', 'maxSize']) if (field(body, name) === undefined) out.push(name);
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
export function validateRoomFields(body: LoopBody, s: RoomSettings, maxContextBytes = Infinity): RoomFields | LoopError {
  const out: { -readonly [K in keyof RoomFields]: RoomFields[K] } = { expiresIn: s.defaultTTL };
  const roomName = field(body, 'roomName');
  if (roomName !== undefined) {
    if (typeof roomName !== 'string') return loopErrors.invalid('roomName should be a string');
    if (roomName.length > s.maxRoomNameSize) {
      return loopErrors.invalid(`roomName should be shorter than ${s.maxRoomNameSize} characters`);
    }
    out.roomName = roomName;
  }
  const context = field(body, 'context');
  if (context !== undefined) {
    if (roomName !== undefined) {
      return loopErrors.invalid('roomName has been deprecated, please store it encrypted inside the context.');
    }
    if (context === null || typeof context !== 'object' || Array.isArray(context) || !CONTEXT_KEYS.every((k) => own(context, k))) {
      return loopErrors.invalid('context should be an object containing `value`, `alg` and `wrappedKey` properties.');
    }
    // The body's depth is already bounded (limits.jsonDepth), so measuring the context cannot recurse deeply.
    if (maxContextBytes !== Infinity && Buffer.byteLength(JSON.stringify(context)) > maxContextBytes) {
      return loopErrors.invalid(`context should not be larger than ${maxContextBytes} bytes`);
    }
    out.context = context as RoomContext;
  }
  const roomOwner = field(body, 'roomOwner');
  if (roomOwner !== undefined) {
    if (typeof roomOwner !== 'string') return loopErrors.invalid('roomOwner should be a string');
    if (roomOwner.length > s.maxRoomOwnerSize) {
      return loopErrors.invalid(`roomOwner should be shorter than ${s.maxRoomOwnerSize} characters`);
    }
    out.roomOwner = roomOwner;
  }
  const expiresIn = field(body, 'expiresIn');
  if (expiresIn !== undefined) {
    const hours = parseIntLoose(expiresIn);
    // The original failed with a 503 on 0 or less; §8.2 asks for this 400 instead.
    if (Number.isNaN(hours) || hours <= 0) return loopErrors.invalid('expiresIn should be a valid number');
    if (hours > s.maxTTL) return loopErrors.invalid(`expiresIn cannot be greater than ${s.maxTTL}`);
    out.expiresIn = hours;
  }
  const maxSize = field(body, 'maxSize');
  if (maxSize !== undefined) {
    const size = parseIntLoose(maxSize);
    if (size > s.maxSize) return loopErrors.invalid(`maxSize cannot be greater than ${s.maxSize}`);
    // The original stored NaN, 0 or negative sizes (a room nobody could join); §8.2 lets us refuse them.
    if (Number.isNaN(size) || size <= 0) return loopErrors.invalid('maxSize should be a positive number');
    out.maxSize = size;
  }
  const channel = field(body, 'channel');
  if (channel !== undefined && channel !== null) {
    if (typeof channel !== 'string') return loopErrors.invalid('channel should be a string');
    if (channel !== '') out.channel = channel;
  }
  return out;
}
