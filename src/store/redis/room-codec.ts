import { deepFrozen } from '../memory/frozen.ts';
import type { DeletedRoomNotice, ParticipantRecord, RoomPatch, RoomRecord } from '../rooms.ts';

/**
 * How room records travel to and from the room scripts. A room is a hash
 * with one field per record property, its value JSON-encoded (so a patch
 * writes only its own fields, and the scripts never parse JSON: they read
 * `maxSize`, a plain number, and their own ':'-prefixed fields). Participants
 * and notices are whole JSON records. What comes back is plain frozen data,
 * as the memory store hands out.
 */

/** Field/value pairs of a new room (undefined properties are left out, as JSON would). */
export function roomFields(room: RoomRecord): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(room)) if (value !== undefined) out.push(name, JSON.stringify(value));
  return out;
}

/** Field/value pairs of a patch; '' (never a JSON text) removes a field set to undefined. */
export function patchFields(patch: RoomPatch): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(patch)) out.push(name, value === undefined ? '' : JSON.stringify(value));
  return out;
}

/** A room from its hash (HGETALL's flat field/value list); the scripts' own ':' fields are skipped. */
export function decodeRoom(hash: readonly string[]): RoomRecord {
  const room: Record<string, unknown> = {};
  for (let i = 0; i < hash.length; i += 2) {
    const name = hash[i]!;
    if (name.charCodeAt(0) !== COLON) room[name] = JSON.parse(hash[i + 1]!);
  }
  return deepFrozen(room) as unknown as RoomRecord;
}

const COLON = 0x3a;

/** A participant or notice record from its JSON (both flat). */
export const decodeFlat = <T>(json: string): T => Object.freeze(JSON.parse(json)) as T;

export const decodeParticipant = (json: string): ParticipantRecord => decodeFlat<ParticipantRecord>(json);
export const decodeNotice = (json: string): DeletedRoomNotice => decodeFlat<DeletedRoomNotice>(json);
