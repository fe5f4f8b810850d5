import type { ParticipantRecord, RoomRecord } from '../../store/rooms.ts';
import type { LoopError } from '../errors.ts';
import { roomErrors } from './errors.ts';

export interface Joiner {
  /** The joiner's user key: only Hawk joiners have one. */
  readonly userKey?: string;
  readonly clientMaxSize: number;
}

/**
 * §8.11, the capacity check at join. `others` are the current participants
 * minus those of the joiner's own user (Hawk joiners only: Basic and
 * unauthenticated joiners remove nobody, not even themselves). One seat is
 * always kept for the owner while the owner is not among them.
 */
export function checkCapacity(room: RoomRecord, participants: readonly ParticipantRecord[], joiner: Joiner): LoopError | null {
  const others = joiner.userKey === undefined ? participants : participants.filter((p) => p.userKey !== joiner.userKey);
  let cap = room.maxSize;
  for (const p of others) if (p.clientMaxSize < cap) cap = p.clientMaxSize;
  let spare = cap - others.length;
  const ownerIn = others.some((p) => p.userKey !== undefined && p.userKey === room.ownerKey);
  const joinerIsOwner = joiner.userKey !== undefined && joiner.userKey === room.ownerKey;
  if (!ownerIn && !joinerIsOwner) spare -= 1;
  if (spare <= 0) return roomErrors.full();
  if (joiner.clientMaxSize <= others.length) return roomErrors.clientCapacity();
  return null;
}
