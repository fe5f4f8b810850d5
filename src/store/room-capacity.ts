/**
 * loop-v1.md §8.11, the capacity check at join, as a pure function of plain
 * data: every room store applies it inside its atomic join (the memory
 * backend calls it; a server-side script re-implements these few lines, so
 * keep it small and keep the two in step).
 */

/** Why a join is refused: errno 202 (`full`) or errno 121 (`client-capacity`). */
export type CapacityRefusal = 'full' | 'client-capacity';

/** What the rule reads of a participant, current or joining. */
export interface Seat {
  /** User key: only Hawk participants have one. */
  readonly userKey?: string;
  readonly clientMaxSize: number;
}

/** What the rule reads of the room. */
export interface SeatedRoom {
  readonly maxSize: number;
  readonly ownerKey: string;
}

/**
 * The refusal for `joiner`, or null when it may join. `participants` are the
 * room's live ones (a previous record of the joiner's own key included).
 *
 * 1. *others* = `participants` minus those whose user key is the joiner's
 *    (Hawk joiners only: Basic and unauthenticated joiners remove nobody,
 *    not even their own earlier record).
 * 2. cap = min(maxSize, each clientMaxSize of *others*); spare = cap − |others|.
 * 3. One seat is kept for the owner: spare −= 1 unless the joiner or one of
 *    *others* is the owner.
 * 4. spare ≤ 0 → `full`; else joiner's clientMaxSize ≤ |others| → `client-capacity`.
 */
export function capacityRefusal(room: SeatedRoom, participants: readonly Seat[], joiner: Seat): CapacityRefusal | null {
  const others = joiner.userKey === undefined ? participants : participants.filter((p) => p.userKey !== joiner.userKey);
  let cap = room.maxSize;
  for (const p of others) if (p.clientMaxSize < cap) cap = p.clientMaxSize;
  let spare = cap - others.length;
  const ownerIn = others.some((p) => p.userKey !== undefined && p.userKey === room.ownerKey);
  const joinerIsOwner = joiner.userKey !== undefined && joiner.userKey === room.ownerKey;
  if (!ownerIn && !joinerIsOwner) spare -= 1;
  if (spare <= 0) return 'full';
  if (joiner.clientMaxSize <= others.length) return 'client-capacity';
  return null;
}
