import type { Clock } from '../../clock.ts';
import { asStoreError } from '../errors.ts';
import { startSweeping } from '../memory/sweeping.ts';
import {
  MAX_ROOMS,
  type DeletedRoomNotice, type ExpiredParticipants, type JoinRefusal, type LoopRoomStore, type LoopRoomStoreStats, type ParticipantRecord,
  type RoomJoin, type RoomJoinResult, type RoomPatch, type RoomRecord,
} from '../rooms.ts';
import { redisHealthy, type RedisConnection } from './connection.ts';
import type { RedisBackendOptions } from './backend-options.ts';
import { decodeNotice, decodeParticipant, decodeRoom, patchFields, roomFields } from './room-codec.ts';
import * as people from './room-participants-lua.ts';
import * as lua from './rooms-lua.ts';
import { inBatches, type Script } from './script.ts';

export interface RedisLoopRoomStoreOptions extends RedisBackendOptions {
  /** Rooms of the deployment at most (default MAX_ROOMS): past it a new room pushes out the one with the least time left. */
  readonly maxRooms?: number;
}


type Arg = string | number;

/**
 * Loop rooms in Redis, shared by every node of a deployment (key layout in
 * rooms-lua-prelude.ts). Each operation is one script, so one round trip,
 * and the capacity check of a join reads the participants and writes the
 * joiner in the same atomic step whichever node runs it.
 */
export class RedisLoopRoomStore implements LoopRoomStore {
  readonly #redis: RedisConnection;
  readonly #clock: Clock | undefined;
  readonly #stopSweeping: () => void;
  readonly #maxRooms: number;

  constructor(o: RedisLoopRoomStoreOptions) {
    this.#redis = o.redis;
    this.#maxRooms = o.maxRooms ?? MAX_ROOMS;
    this.#clock = o.clock;
    const onError = o.onBackgroundError ?? (() => {});
    this.#stopSweeping = startSweeping(o.sweep, () => this.sweep().catch(onError));
  }

  /** Runs a script with the arguments every one starts with: prefix, the time ('' for Redis's clock). */
  #run(script: Script, ...rest: Arg[]): Promise<unknown> {
    const args = [this.#redis.prefix, this.#clock ? this.#clock.now() : '', ...rest];
    return script.run(this.#redis.cmd, args).catch((err: unknown) => {
      throw asStoreError(err, `redis rooms ${script.name}`);
    });
  }

  async createRoom(room: RoomRecord, ttlMs: number, maxPerOwner = Infinity): Promise<boolean> {
    const cap = Number.isFinite(maxPerOwner) ? maxPerOwner : '';
    return (await this.#run(lua.CREATE, room.roomToken, ttlMs, cap, room.ownerKey, this.#maxRooms, ...roomFields(room))) === 1;
  }

  async countRooms(ownerKey: string): Promise<number> {
    return (await this.#run(lua.COUNT, ownerKey)) as number;
  }

  async hasRoomBelow(ownerKey: string, cap: number): Promise<boolean> {
    if (!Number.isFinite(cap)) return cap > 0;
    return (await this.#run(lua.HAS_BELOW, ownerKey, cap)) === 1;
  }

  async getRoom(roomToken: string): Promise<RoomRecord | undefined> {
    const hash = (await this.#run(lua.GET, roomToken)) as string[] | null;
    return hash ? decodeRoom(hash) : undefined;
  }

  async updateRoom(roomToken: string, patch: RoomPatch, ttlMs: number): Promise<RoomRecord | undefined> {
    const hash = (await this.#run(lua.UPDATE, roomToken, ttlMs, ...patchFields(patch))) as string[] | null;
    return hash ? decodeRoom(hash) : undefined;
  }

  async deleteRoom(roomToken: string): Promise<boolean> {
    return (await this.#run(lua.DELETE, roomToken)) === 1;
  }

  async listRooms(ownerKey: string): Promise<RoomRecord[]> {
    return ((await this.#run(lua.LIST, ownerKey)) as string[][]).map(decodeRoom);
  }

  async joinRoom(roomToken: string, join: RoomJoin): Promise<RoomJoinResult> {
    const p = join.participant;
    const reply = (await this.#run(
      people.JOIN, roomToken, p.key, JSON.stringify(p), join.participantTtlMs, p.clientMaxSize, p.userKey ?? '', p.userKey === undefined ? 0 : 1,
      JSON.stringify(join.ctime), JSON.stringify(join.expiresAt), join.roomTtlMs,
    )) as string | string[];
    if (typeof reply === 'string') return { joined: false, refusal: reply as JoinRefusal };
    return { joined: true, room: decodeRoom(reply) };
  }

  async getParticipant(roomToken: string, key: string): Promise<ParticipantRecord | undefined> {
    const json = (await this.#run(people.GET_PARTICIPANT, roomToken, key)) as string | null;
    return json === null ? undefined : decodeParticipant(json);
  }

  async touchParticipant(roomToken: string, key: string, ttlMs: number): Promise<boolean> {
    return (await this.#run(people.TOUCH_PARTICIPANT, roomToken, key, ttlMs)) === 1;
  }

  async deleteParticipant(roomToken: string, key: string): Promise<boolean> {
    return (await this.#run(people.DELETE_PARTICIPANT, roomToken, key)) === 1;
  }

  async listParticipants(roomToken: string): Promise<ParticipantRecord[]> {
    return ((await this.#run(people.LIST_PARTICIPANTS, roomToken)) as string[]).map(decodeParticipant);
  }

  async expireParticipants(): Promise<ExpiredParticipants[]> {
    const byRoom = new Map<string, ParticipantRecord[]>();
    await inBatches(async (size) => {
      const [seen, removed] = (await this.#run(people.EXPIRE, size)) as [number, string[]];
      for (let i = 0; i < removed.length; i += 2) {
        const roomToken = removed[i]!;
        let list = byRoom.get(roomToken);
        if (!list) byRoom.set(roomToken, (list = []));
        list.push(decodeParticipant(removed[i + 1]!));
      }
      return seen === size;
    });
    return [...byRoom].map(([roomToken, participants]) => ({ roomToken, participants }));
  }

  async addDeletedNotice(ownerKey: string, notice: DeletedRoomNotice, ttlMs: number): Promise<void> {
    await this.#run(lua.ADD_NOTICE, ownerKey, notice.roomToken, JSON.stringify(notice), ttlMs);
  }

  async listDeletedNotices(ownerKey: string): Promise<DeletedRoomNotice[]> {
    return ((await this.#run(lua.LIST_NOTICES, ownerKey)) as string[]).map(decodeNotice);
  }

  sweep(): Promise<void> {
    return inBatches(async (size) => {
      const [rooms, notices] = (await this.#run(lua.SWEEP, size)) as [number, number];
      return rooms === size || notices === size;
    });
  }

  async stats(): Promise<LoopRoomStoreStats> {
    const [rooms, participants, deletedNotices] = (await this.#run(lua.STATS)) as [number, number, number];
    return { rooms, participants, deletedNotices };
  }

  ping(): Promise<boolean> {
    return redisHealthy(this.#redis);
  }

  /** Stops the sweeps; the connection is its owner's to close. */
  async close(): Promise<void> {
    this.#stopSweeping();
  }
}
