/**
 * The storage contract behind Loop rooms (loop-v1.md §8). Like the other
 * stores: MaybeAsync (the memory backend answers at once), plain data only, shaped for Redis (a room hash with a TTL,
 * a participants hash per room plus a sorted set of participant expiries,
 * an owner set, deleted-room notices with their own TTL). Lifetimes are
 * given in milliseconds by the caller: what is written at t for `ttlMs` is
 * live until t + ttlMs - 1 and gone at t + ttlMs. The store judges liveness
 * on its own clock, and reads never return expired data.
 * test/store/room-store-contract.ts is the behaviour in full.
 */
import type { MaybeAsync } from './maybe-async.ts';
import type { CapacityRefusal } from './room-capacity.ts';

/** §8.1 `context`: stored and returned verbatim. */
export type RoomContext = Readonly<Record<string, unknown>>;

/**
 * Rooms a store keeps at most, live or not yet swept: past it, creating one
 * pushes another out (memory: the least recently used; Redis: the one with
 * the least time left), so that room creations cannot fill the memory.
 */
export const MAX_ROOMS = 200_000;

/** A room (§8.1). Times in unix seconds; `roomUrl` is computed, never stored. */
export interface RoomRecord {
  readonly roomToken: string;
  readonly roomName?: string;
  readonly context: RoomContext | null;
  readonly roomOwner: string;
  readonly maxSize: number;
  /** Hours: the last lifetime asked for (or the default). */
  readonly expiresIn: number;
  readonly creationTime: number;
  readonly ctime: number;
  readonly expiresAt: number;
  /** User key (§3.8) of the creator: every session of that user is the owner. */
  readonly ownerKey: string;
  readonly channel: string;
  readonly apiKey: string;
  readonly sessionId: string;
}

/** Fields an owner update or an activity touch replaces. */
export type RoomPatch = Partial<
  Pick<RoomRecord, 'roomName' | 'context' | 'roomOwner' | 'maxSize' | 'expiresIn' | 'ctime' | 'expiresAt' | 'apiKey' | 'sessionId'>
>;

/** A room participant (§8.10 join step 6). */
export interface ParticipantRecord {
  /** Participant key: the session's idHmac (Hawk) or the HMAC of its provider token (Basic, §3.10). */
  readonly key: string;
  readonly roomConnectionId: string;
  readonly displayName: string;
  readonly clientMaxSize: number;
  /** The joiner's user key; absent for Basic and unauthenticated joiners. */
  readonly userKey?: string;
  /** Identity of a registered joiner. */
  readonly account?: string;
  /**
   * true when `key` is the HMAC of a provider token that doubles as a Basic
   * credential for this room (§3.10): the credential lives exactly as long
   * as this record (join, refresh, leave, expiry, room deletion).
   */
  readonly tokenCredential?: boolean;
}

/** Participants whose lifetime ended, removed by `expireParticipants`, grouped by room. */
export interface ExpiredParticipants {
  readonly roomToken: string;
  readonly participants: readonly ParticipantRecord[];
}

/** §8.4 / §8.9: a room deleted by its owner, reported by `GET /rooms?version=N`. */
export interface DeletedRoomNotice {
  readonly roomToken: string;
  /** Unix seconds. */
  readonly deletedAt: number;
}

/** A join (§8.10 steps 5–7) for `joinRoom`: plain data, so one server-side script can run it. */
export interface RoomJoin {
  /**
   * Written (replacing any record with its key) when the capacity rule lets
   * it in; its `userKey` and `clientMaxSize` are the joiner's for that rule.
   */
  readonly participant: ParticipantRecord;
  readonly participantTtlMs: number;
  /** §8.12 activity, applied in the same step: the room's new `ctime` and `expiresAt` (unix s)… */
  readonly ctime: number;
  readonly expiresAt: number;
  /** …and its store lifetime from now. */
  readonly roomTtlMs: number;
}

/** Why `joinRoom` wrote nothing: the room is not live, or the §8.11 rule refused the joiner. */
export type JoinRefusal = 'no-room' | CapacityRefusal;

export type RoomJoinResult =
  | { readonly joined: true; readonly room: RoomRecord }
  | { readonly joined: false; readonly refusal: JoinRefusal };

/** Live entries; a backend may still count expired rooms and notices until its next sweep(). */
export interface LoopRoomStoreStats {
  readonly rooms: number;
  readonly participants: number;
  readonly deletedNotices: number;
}

export interface LoopRoomStore {
  /**
   * Stores a new room for `ttlMs` and indexes it under its owner; false (and
   * nothing stored) when the owner already has `maxPerOwner` live rooms.
   */
  createRoom(room: RoomRecord, ttlMs: number, maxPerOwner?: number): MaybeAsync<boolean>;
  /** How many live rooms the owner has. */
  countRooms(ownerKey: string): MaybeAsync<number>;
  /** Whether the owner has fewer than `cap` live rooms (cheaper than a count: a backend may answer from an upper bound). */
  hasRoomBelow(ownerKey: string, cap: number): MaybeAsync<boolean>;
  /** The live room. */
  getRoom(roomToken: string): MaybeAsync<RoomRecord | undefined>;
  /** Applies `patch` to a live room and restarts its lifetime at `ttlMs`; the new record, or undefined when it is gone. */
  updateRoom(roomToken: string, patch: RoomPatch, ttlMs: number): MaybeAsync<RoomRecord | undefined>;
  /** Deletes the room with its participants (and so their Basic credentials); false when it was not live. */
  deleteRoom(roomToken: string): MaybeAsync<boolean>;
  /** The live rooms of an owner, any order. */
  listRooms(ownerKey: string): MaybeAsync<RoomRecord[]>;

  /**
   * §8.10 join steps 5–7 as one atomic step across every node sharing the
   * store: checks that the room is live, applies `capacityRefusal`
   * (room-capacity.ts) to the room's stored `maxSize` and `ownerKey`, its live
   * participants and the joiner, then writes the participant and touches the
   * room. Returns the touched room, or the refusal (and nothing written).
   */
  joinRoom(roomToken: string, join: RoomJoin): MaybeAsync<RoomJoinResult>;
  getParticipant(roomToken: string, key: string): MaybeAsync<ParticipantRecord | undefined>;
  /** Restarts a live participant's lifetime at `ttlMs`; false when it is gone. */
  touchParticipant(roomToken: string, key: string, ttlMs: number): MaybeAsync<boolean>;
  /**
   * Removes a live participant. False when it was not live: an expired one
   * is left for `expireParticipants` to report.
   */
  deleteParticipant(roomToken: string, key: string): MaybeAsync<boolean>;
  /** The live participants of a room, any order. */
  listParticipants(roomToken: string): MaybeAsync<ParticipantRecord[]>;
  /**
   * Removes the participants of live rooms whose lifetime has ended and
   * returns them (ZRANGEBYSCORE + ZREM on a shared store): each one once,
   * never before its lifetime ends, at most a second after. Participants of
   * rooms that expired or were deleted vanish silently and are not returned.
   */
  expireParticipants(): MaybeAsync<ExpiredParticipants[]>;

  /** Records that the owner deleted a room, for `ttlMs`. */
  addDeletedNotice(ownerKey: string, notice: DeletedRoomNotice, ttlMs: number): MaybeAsync<void>;
  /** The owner's live notices, any order. */
  listDeletedNotices(ownerKey: string): MaybeAsync<DeletedRoomNotice[]>;

  /** Frees memory of expired entries (reads already ignore them). */
  sweep(): MaybeAsync<void>;
  stats(): MaybeAsync<LoopRoomStoreStats>;
  ping(): MaybeAsync<boolean>;
  /** Stops the backend's timers and connections; a second call is harmless. */
  close(): Promise<void>;
}
