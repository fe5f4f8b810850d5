import type { RoomRecord } from '../../store/rooms.ts';
import { isAsync, then, type MaybeAsync } from '../../store/maybe-async.ts';
import { newUrlToken } from '../credentials.ts';
import { isLoopError, loopErrors, type LoopError } from '../errors.ts';
import { WRONG_TYPE, type Given } from '../input.ts';
import type { RoomCaller, RoomCore } from './core.ts';
import { ROOM_NOT_FOUND_ENTRY, roomErrors } from './errors.ts';
import { missingForCreate, validateRoomFields, type RoomCreate, type RoomFields, type RoomUpdate } from './validation.ts';
import { fullView, publicView } from './views.ts';

export interface Created {
  readonly roomToken: string;
  readonly roomUrl: string;
  readonly expiresAt: number;
}

/** A PATCH /rooms (bulk delete) request as read from its body. */
export interface BulkDelete {
  /** WRONG_TYPE unless an array of strings. */
  readonly deleteRoomTokens?: Given<readonly string[]>;
}

export interface BulkOutcome {
  /** 207 when at least one room was deleted, else 404 (§8.5). */
  readonly status: 207 | 404;
  readonly responses: Record<string, unknown>;
}

type ProviderSession = { readonly apiKey: string; readonly sessionId: string };

/** Ours (`limits.roomsPerOwner`): no room is evicted to make space. */
const tooManyRooms = (cap: number) => loopErrors.quota(`Too many rooms: an owner may have at most ${cap}.`);

/** The owner's side of §8: create, list, read, update, delete, bulk delete. */
export class RoomOwnerOps {
  constructor(private readonly core: RoomCore) {}

  /**
   * §8.3: required parameters, §8.2 validation, a provider session, the
   * stored room, the owner's push. At once when the store and the provider
   * answer at once.
   */
  create(ownerKey: string, request: RoomCreate): MaybeAsync<Created | LoopError> {
    const { core } = this;
    const missing = missingForCreate(request);
    if (missing.length > 0) return loopErrors.missing(missing);
    const fields = validateRoomFields(request, core.settings, core.limits.roomContextBytes);
    if (isLoopError(fields)) return fields;
    // Checked before the provider session is made; the store checks again atomically.
    const cap = core.limits.roomsPerOwner;
    return then<boolean, Created | LoopError>(core.store.hasRoomBelow(ownerKey, cap), (below) => {
      if (!below) return tooManyRooms(cap);
      const channel = fields.channel ?? 'default';
      let session: MaybeAsync<ProviderSession>;
      try {
        session = core.deps.provider.createSession(channel);
      } catch (err) {
        return this.#providerFailed(err);
      }
      if (isAsync(session)) return session.then((s) => this.#store(ownerKey, fields, channel, s, cap), (err) => this.#providerFailed(err));
      return this.#store(ownerKey, fields, channel, session, cap);
    });
  }

  #providerFailed(err: unknown): LoopError {
    this.core.deps.log.warn({ err }, 'media provider failed to create a room session');
    return loopErrors.backend();
  }

  /** create, once the provider session is made. */
  #store(ownerKey: string, fields: RoomFields, channel: string, session: ProviderSession, cap: number): MaybeAsync<Created | LoopError> {
    const { core } = this;
    const now = core.nowSec();
    // Key by key, the optional roomName in its place only when present (a conditional spread takes V8's slow path).
    const room: { -readonly [K in keyof RoomRecord]: RoomRecord[K] } = { roomToken: newUrlToken(core.settings.tokenSize) } as RoomRecord;
    if (fields.roomName !== undefined) room.roomName = fields.roomName;
    room.context = fields.context ?? null;
    room.roomOwner = fields.roomOwner!;
    room.maxSize = fields.maxSize!;
    room.expiresIn = fields.expiresIn;
    room.creationTime = now;
    room.ctime = now;
    room.expiresAt = now + fields.expiresIn * 3600;
    room.ownerKey = ownerKey;
    room.channel = channel;
    room.apiKey = session.apiKey;
    room.sessionId = session.sessionId;
    return then<boolean, Created | LoopError>(core.store.createRoom(room, core.ttlUntil(room.expiresAt), cap), (stored) => {
      if (!stored) return tooManyRooms(cap);
      const created: Created = { roomToken: room.roomToken, roomUrl: core.roomUrl(room.roomToken), expiresAt: room.expiresAt };
      const pushed = core.deps.notifyOwner(ownerKey, room.ctime);
      return isAsync(pushed) ? pushed.then(() => created) : created;
    });
  }

  /**
   * §8.4: the owner's live rooms with `ctime ≥ since` in the full view, by
   * ctime; then, only when `since` > 0, the rooms it deleted at or after it.
   */
  async list(ownerKey: string, since: number): Promise<unknown[]> {
    const { store } = this.core;
    const rooms = (await store.listRooms(ownerKey)).filter((r) => r.ctime >= since);
    rooms.sort((a, b) => a.ctime - b.ctime);
    const out: unknown[] = await Promise.all(rooms.map(async (r) => this.#full(r)));
    if (since > 0) {
      for (const notice of await store.listDeletedNotices(ownerKey)) {
        if (notice.deletedAt >= since) out.push({ roomToken: notice.roomToken, deleted: true });
      }
    }
    return out;
  }

  /** §8.6 steps 3–4: the public view without credentials; the full view for the owner or a current participant. */
  async view(room: RoomRecord, caller: RoomCaller): Promise<Record<string, unknown> | LoopError> {
    if (caller.kind === 'none') return publicView(room, this.core.roomUrl(room.roomToken));
    const isOwner = caller.kind === 'hawk' && caller.userKey === room.ownerKey;
    if (!isOwner && !(await this.core.store.getParticipant(room.roomToken, caller.participantKey))) {
      return roomErrors.notParticipantNorOwner();
    }
    return this.#full(room);
  }

  /**
   * §8.8: 404, then §8.2 validation (a non-owner with bad parameters gets
   * 400), then 403. Given fields are replaced; `expiresIn` falls back to the
   * default when absent, so `{}` resets the lifetime (quirk, reproduced).
   */
  async update(roomToken: string, userKey: string, request: RoomUpdate): Promise<{ expiresAt: number } | LoopError> {
    const { core } = this;
    const room = await core.store.getRoom(roomToken);
    if (!room) return loopErrors.tokenNotFound();
    const f = validateRoomFields(request, core.settings, core.limits.roomContextBytes);
    if (isLoopError(f)) return f;
    if (room.ownerKey !== userKey) return roomErrors.notOwner();
    const ctime = core.nowSec();
    const expiresAt = ctime + f.expiresIn * 3600;
    const patch = {
      ...(f.roomName !== undefined ? { roomName: f.roomName } : {}),
      ...(f.roomOwner !== undefined ? { roomOwner: f.roomOwner } : {}),
      ...(f.maxSize !== undefined ? { maxSize: f.maxSize } : {}),
      ...(f.context !== undefined ? { context: f.context } : {}),
      expiresIn: f.expiresIn,
      ctime,
      expiresAt,
    };
    if (!(await core.store.updateRoom(roomToken, patch, core.ttlUntil(expiresAt)))) return loopErrors.tokenNotFound();
    await core.deps.notifyOwner(userKey, ctime);
    return { expiresAt };
  }

  /** §8.9: 404, 403, then the room goes with its participants; a deleted-room notice and a push follow. */
  async remove(roomToken: string, userKey: string): Promise<LoopError | null> {
    const room = await this.core.store.getRoom(roomToken);
    if (!room) return loopErrors.tokenNotFound();
    if (room.ownerKey !== userKey) return roomErrors.notOwner();
    if (await this.#delete(room)) await this.core.deps.notifyOwner(userKey, this.core.nowSec());
    return null;
  }

  /** §8.5: each listed room the user owns is deleted; one push when any was. */
  async removeMany(userKey: string, request: BulkDelete): Promise<BulkOutcome | LoopError> {
    const tokens = request.deleteRoomTokens;
    if (tokens === undefined) return loopErrors.missing(['deleteRoomTokens']);
    if (tokens === WRONG_TYPE) return loopErrors.invalid('deleteRoomTokens should be an array of strings');
    if (tokens.length === 0) return loopErrors.invalid('deleteRoomTokens should not be empty.');
    const responses: Record<string, unknown> = {};
    let deleted = 0;
    for (const token of new Set(tokens)) {
      const room = await this.core.store.getRoom(token);
      const ok = room !== undefined && room.ownerKey === userKey && (await this.#delete(room));
      if (ok) deleted++;
      responses[token] = ok ? { code: 200 } : ROOM_NOT_FOUND_ENTRY;
    }
    // The original pushed even when nothing was deleted; §8.5 lets us skip that one.
    if (deleted > 0) await this.core.deps.notifyOwner(userKey, this.core.nowSec());
    return { status: deleted > 0 ? 207 : 404, responses };
  }

  async #delete(room: RoomRecord): Promise<boolean> {
    const { store, durations } = this.core;
    if (!(await store.deleteRoom(room.roomToken))) return false;
    const notice = { roomToken: room.roomToken, deletedAt: this.core.nowSec() };
    await store.addDeletedNotice(room.ownerKey, notice, durations.deletedTtlMs);
    return true;
  }

  async #full(room: RoomRecord): Promise<Record<string, unknown>> {
    const participants = await this.core.store.listParticipants(room.roomToken);
    return fullView(room, participants, this.core.roomUrl(room.roomToken));
  }
}
