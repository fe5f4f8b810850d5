import { LRUCache } from 'lru-cache';
import type { Clock } from '../../clock.ts';
import { deepFrozen, frozenCopy } from './frozen.ts';
import { index, unindex } from './index-sets.ts';
import { lruCap } from './lru-cap.ts';
import { lruTime } from './lru-time.ts';
import { startSweeping, type SweepSchedule } from './sweeping.ts';
import { DueKeys } from './due-keys.ts';
import { ExpiryBuckets } from './expiry-buckets.ts';
import { capacityRefusal } from '../room-capacity.ts';
import {
  MAX_ROOMS,
  type DeletedRoomNotice, type ExpiredParticipants, type LoopRoomStore, type LoopRoomStoreStats, type ParticipantRecord, type RoomJoin,
  type RoomJoinResult, type RoomPatch, type RoomRecord,
} from '../rooms.ts';

/** Entry caps: the least recently used entry goes first beyond them (lruCap: nothing is allocated for them in advance). */
export interface LoopRoomMemoryLimits {
  readonly rooms: number;
  readonly deletedNotices: number;
}

export const ROOM_MEMORY_DEFAULTS: LoopRoomMemoryLimits = { rooms: MAX_ROOMS, deletedNotices: 200_000 };

export interface LoopRoomMemoryStoreOptions {
  readonly clock: Clock;
  readonly limits?: Partial<LoopRoomMemoryLimits>;
  /** Free expired rooms and notices on this schedule (see createStores); absent: only when touched, or by sweep(). */
  readonly sweep?: SweepSchedule;
}

interface Participant {
  record: ParticipantRecord;
  expiresAtMs: number;
  /** Its expiry bucket in #expiries (taken out again on refresh and leave). */
  bucket: number;
}
interface RoomEntry {
  room: RoomRecord;
  readonly participants: Map<string, Participant>;
  /** Its bucket in #dueRooms (moved when the room's lifetime is). */
  bucket: number;
}
interface NoticeEntry {
  readonly ownerKey: string;
  readonly notice: DeletedRoomNotice;
  /** Its bucket in #dueNotices (taken out when the notice goes, evicted beyond the cap included). */
  readonly bucket: number;
}

/** Width of a participant-expiry bucket: expired participants are found at most this late after a sweep. */
const BUCKET_MS = 250;
/** Separates room token and participant key in the expiry index (neither contains a space). */
const SEP = ' ';

/**
 * The in-process room store. Rooms and deleted-room notices live in
 * lru-caches with per-entry TTLs on the injected clock; a room's
 * participants live inside its entry (so they vanish with it), each with its
 * own expiry time. Participant expiries are also filed in time buckets
 * (the memory form of a Redis sorted set), so finding the expired ones costs
 * only the buckets that came due, never a scan of every room.
 */
export class MemoryLoopRoomStore implements LoopRoomStore {
  readonly #clock: Clock;
  readonly #ttl: ReturnType<typeof lruTime>['ttl'];
  readonly #rooms: LRUCache<string, RoomEntry>;
  readonly #notices: LRUCache<string, NoticeEntry>;
  readonly #ownerRooms = new Map<string, Set<string>>();
  readonly #ownerNotices = new Map<string, Set<string>>();
  /** "roomToken participantKey" by expiry time (stale entries are skipped when they come due). */
  readonly #expiries: ExpiryBuckets;
  /** Room tokens and notice keys by expiry, for the periodic sweep (see DueKeys). */
  readonly #dueRooms: DueKeys;
  readonly #dueNotices: DueKeys;

  readonly #stopSweeping: () => void;

  constructor(o: LoopRoomMemoryStoreOptions) {
    const limits = { ...ROOM_MEMORY_DEFAULTS, ...o.limits };
    this.#clock = o.clock;
    const time = lruTime(o.clock);
    const base = time.options;
    this.#ttl = time.ttl;
    this.#rooms = new LRUCache({
      ...base, ...lruCap(limits.rooms),
      dispose: (v, token) => {
        unindex(this.#ownerRooms, v.room.ownerKey, token);
        this.#dueRooms.unfile(token, v.bucket);
        // Its participants go with it: their expiries too (participantTTL may be set to days).
        if (v.participants.size > 0) for (const [key, p] of v.participants) this.#unfile(token, key, p.bucket);
      },
    });
    this.#notices = new LRUCache({
      ...base, ...lruCap(limits.deletedNotices),
      dispose: (v, key) => {
        unindex(this.#ownerNotices, v.ownerKey, key);
        this.#dueNotices.unfile(key, v.bucket);
      },
    });
    this.#expiries = new ExpiryBuckets(BUCKET_MS, o.clock.now());
    const now = () => o.clock.now();
    this.#dueRooms = new DueKeys(this.#rooms, now);
    this.#dueNotices = new DueKeys(this.#notices, now);
    this.#stopSweeping = startSweeping(o.sweep, () => this.#sweepDue());
  }

  createRoom(room: RoomRecord, ttlMs: number, maxPerOwner = Infinity): boolean {
    const owned = this.#ownerRooms.get(room.ownerKey)?.size ?? 0;
    // The index may still hold expired rooms: count the live ones only when it could matter.
    if (owned >= maxPerOwner && this.#countLive(room.ownerKey) >= maxPerOwner) return false;
    this.#rooms.delete(room.roomToken); // a token made twice: dispose takes its indexes out (a set would not: noDisposeOnSet)
    const bucket = this.#dueRooms.file(room.roomToken, ttlMs);
    this.#rooms.set(room.roomToken, { room: frozenRoom(room), participants: new Map(), bucket }, this.#ttl(ttlMs));
    index(this.#ownerRooms, room.ownerKey, room.roomToken);
    return true;
  }

  countRooms(ownerKey: string): number {
    return this.#countLive(ownerKey);
  }

  hasRoomBelow(ownerKey: string, cap: number): boolean {
    // The index may still hold expired rooms: a size below the cap answers at once; only near it are they counted.
    return (this.#ownerRooms.get(ownerKey)?.size ?? 0) < cap || this.#countLive(ownerKey) < cap;
  }

  /** Synchronous, so a create's check and write cannot interleave with another's. */
  #countLive(ownerKey: string): number {
    let n = 0;
    for (const token of this.#ownerRooms.get(ownerKey) ?? []) if (this.#rooms.has(token)) n++;
    return n;
  }

  getRoom(roomToken: string): RoomRecord | undefined {
    return this.#rooms.get(roomToken)?.room;
  }

  updateRoom(roomToken: string, patch: RoomPatch, ttlMs: number): RoomRecord | undefined {
    const entry = this.#rooms.get(roomToken);
    return entry && this.#update(roomToken, entry, patch, ttlMs);
  }

  #update(roomToken: string, entry: RoomEntry, patch: RoomPatch, ttlMs: number): RoomRecord {
    // The patch is only read; its one nested field, a context, is frozen where it is (every join and leave makes a flat patch).
    if (patch.context) deepFrozen(patch.context);
    entry.room = frozenCopy(entry.room, patch);
    entry.bucket = this.#dueRooms.refile(roomToken, entry.bucket, ttlMs);
    this.#rooms.set(roomToken, entry, this.#ttl(ttlMs));
    return entry.room;
  }

  deleteRoom(roomToken: string): boolean {
    const live = this.#rooms.peek(roomToken) !== undefined;
    this.#rooms.delete(roomToken); // dispose unindexes it; its participants go with the entry
    return live;
  }

  listRooms(ownerKey: string): RoomRecord[] {
    const out: RoomRecord[] = [];
    for (const token of this.#ownerRooms.get(ownerKey) ?? []) {
      const entry = this.#rooms.get(token);
      if (entry) out.push(entry.room);
    }
    return out;
  }

  /** Synchronous from lookup to write, so no other call can come between the check and the write. */
  joinRoom(roomToken: string, join: RoomJoin): RoomJoinResult {
    const entry = this.#rooms.get(roomToken);
    if (!entry) return { joined: false, refusal: 'no-room' };
    const refusal = capacityRefusal(entry.room, this.#live(entry), join.participant);
    if (refusal) return { joined: false, refusal };
    this.#put(roomToken, entry, join.participant, join.participantTtlMs);
    return { joined: true, room: this.#update(roomToken, entry, { ctime: join.ctime, expiresAt: join.expiresAt }, join.roomTtlMs) };
  }

  #put(roomToken: string, entry: RoomEntry, participant: ParticipantRecord, ttlMs: number): void {
    const expiresAtMs = this.#clock.now() + Math.max(1, ttlMs);
    const previous = entry.participants.get(participant.key);
    if (previous) this.#unfile(roomToken, participant.key, previous.bucket);
    // A flat record (only strings, numbers and booleans): frozen where it is, no walk.
    entry.participants.set(participant.key, { record: Object.freeze(participant), expiresAtMs, bucket: this.#file(roomToken, participant.key, expiresAtMs) });
  }

  getParticipant(roomToken: string, key: string): ParticipantRecord | undefined {
    return this.#liveParticipant(roomToken, key)?.record;
  }

  touchParticipant(roomToken: string, key: string, ttlMs: number): boolean {
    const p = this.#liveParticipant(roomToken, key);
    if (!p) return false;
    p.expiresAtMs = this.#clock.now() + Math.max(1, ttlMs);
    this.#unfile(roomToken, key, p.bucket);
    p.bucket = this.#file(roomToken, key, p.expiresAtMs);
    return true;
  }

  deleteParticipant(roomToken: string, key: string): boolean {
    const p = this.#liveParticipant(roomToken, key);
    // An expired one stays for expireParticipants, which reports it (its room is touched then).
    if (!p) return false;
    this.#rooms.peek(roomToken)!.participants.delete(key);
    this.#unfile(roomToken, key, p.bucket);
    return true;
  }

  listParticipants(roomToken: string): ParticipantRecord[] {
    const entry = this.#rooms.get(roomToken);
    return entry ? this.#live(entry) : [];
  }

  #live(entry: RoomEntry): ParticipantRecord[] {
    const now = this.#clock.now();
    const out: ParticipantRecord[] = [];
    for (const p of entry.participants.values()) if (p.expiresAtMs > now) out.push(p.record);
    return out;
  }

  expireParticipants(): ExpiredParticipants[] {
    const now = this.#clock.now();
    const byRoom = new Map<string, ParticipantRecord[]>();
    for (const item of this.#expiries.due(now)) {
      const [roomToken, key] = item.split(SEP) as [string, string];
      const entry = this.#rooms.peek(roomToken);
      const p = entry?.participants.get(key);
      if (!entry || !p || p.expiresAtMs > now) continue; // room gone, participant left, or refreshed since
      entry.participants.delete(key);
      let list = byRoom.get(roomToken);
      if (!list) byRoom.set(roomToken, (list = []));
      list.push(p.record);
    }
    return [...byRoom].map(([roomToken, participants]) => ({ roomToken, participants }));
  }

  addDeletedNotice(ownerKey: string, notice: DeletedRoomNotice, ttlMs: number): void {
    const key = ownerKey + SEP + notice.roomToken;
    this.#notices.delete(key); // a rewrite: dispose takes its index and due entries out (a set would not: noDisposeOnSet)
    const bucket = this.#dueNotices.file(key, ttlMs);
    this.#notices.set(key, { ownerKey, notice: frozenCopy(notice), bucket }, this.#ttl(ttlMs));
    index(this.#ownerNotices, ownerKey, key);
  }

  listDeletedNotices(ownerKey: string): DeletedRoomNotice[] {
    const out: DeletedRoomNotice[] = [];
    for (const key of this.#ownerNotices.get(ownerKey) ?? []) {
      const entry = this.#notices.get(key);
      if (entry) out.push(entry.notice);
    }
    return out;
  }

  /** Drops every expired room and notice now (a pass over all of them; the periodic sweep is #sweepDue). */
  sweep(): void {
    this.#rooms.purgeStale();
    this.#notices.purgeStale();
  }

  /** The periodic sweep: only the rooms and notices that came due (at most a second after they expired). */
  #sweepDue(): void {
    this.#dueRooms.sweep();
    this.#dueNotices.sweep();
  }

  stats(): LoopRoomStoreStats {
    const now = this.#clock.now();
    let participants = 0;
    for (const entry of this.#rooms.values()) for (const p of entry.participants.values()) if (p.expiresAtMs > now) participants++;
    return { rooms: this.#rooms.size, participants, deletedNotices: this.#notices.size };
  }

  ping(): boolean {
    return true;
  }

  async close(): Promise<void> {
    this.#stopSweeping();
    this.#rooms.clear();
    this.#notices.clear();
    this.#expiries.clear();
    this.#dueRooms.clear();
    this.#dueNotices.clear();
  }

  #liveParticipant(roomToken: string, key: string): Participant | undefined {
    const p = this.#rooms.get(roomToken)?.participants.get(key);
    return p && p.expiresAtMs > this.#clock.now() ? p : undefined;
  }

  #file(roomToken: string, key: string, expiresAtMs: number): number {
    return this.#expiries.file(roomToken + SEP + key, expiresAtMs);
  }

  #unfile(roomToken: string, key: string, bucket: number): void {
    this.#expiries.unfile(roomToken + SEP + key, bucket);
  }

  /** Participant keys waiting in the expiry index (tests: it holds only live participants). */
  get filedExpiries(): number {
    return this.#expiries.size;
  }

  /** Notice keys waiting in the due index (tests: it holds only the notices held). */
  get filedNotices(): number {
    return this.#dueNotices.size;
  }
}

/** A room handed over at create, frozen in place: its context is its one nested field (no walk of the rest). */
function frozenRoom(room: RoomRecord): RoomRecord {
  if (room.context !== null) deepFrozen(room.context);
  return Object.freeze(room);
}
