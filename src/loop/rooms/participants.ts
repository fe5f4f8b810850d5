import { randomUUID } from 'node:crypto';
import type { ParticipantRecord, RoomRecord } from '../../store/rooms.ts';
import { loopErrors, type LoopError } from '../errors.ts';
import { WRONG_TYPE, type Given } from '../input.ts';
import { joinRefusalError } from './capacity.ts';
import type { RoomCaller, RoomCore } from './core.ts';
import { roomErrors } from './errors.ts';

/** A `join` request as read from its body; absent fields are absent, `null` is present. */
export interface JoinRequest {
  /** `null` or a non-string is WRONG_TYPE. */
  readonly displayName?: Given<string>;
  /** An integer (§0 "parse as integer"); NaN when the value does not parse. */
  readonly clientMaxSize?: number;
}

export interface JoinAnswer {
  readonly apiKey: string;
  readonly sessionId: string;
  readonly sessionToken: string;
  /** Seconds: `rooms.participantTTL`. */
  readonly expires: number;
}

/** The participant actions of §8.10 (the status checks live in status.ts). */
export class RoomParticipantOps {
  constructor(private readonly core: RoomCore) {}

  /**
   * §3.10: the caller a Basic token stands for in this room, or null when no
   * live participant of the room holds it.
   */
  async tokenCaller(roomToken: string, token: string): Promise<RoomCaller | null> {
    const key = this.core.deps.userMac(token);
    const p = await this.core.store.getParticipant(roomToken, key);
    return p?.tokenCredential ? { kind: 'token', participantKey: key } : null;
  }

  /** §8.10 join, steps 1–8; the request already passed negotiation. */
  async join(room: RoomRecord, caller: RoomCaller, request: JoinRequest): Promise<JoinAnswer | LoopError> {
    const { displayName, clientMaxSize } = request;
    if (displayName === undefined || clientMaxSize === undefined) {
      const missing = [displayName === undefined && 'displayName', clientMaxSize === undefined && 'clientMaxSize'];
      return loopErrors.missing(missing.filter((name) => name !== false));
    }
    if (displayName === WRONG_TYPE) return loopErrors.invalid('displayName should be a string');
    // Ours: bounds a room's full view (and so GET /rooms); the same scale as roomOwner's 255.
    const maxName = this.core.limits.displayNameSize;
    if (displayName.length > maxName) return loopErrors.invalid(`displayName should be shorter than ${maxName} characters`);
    if (Number.isNaN(clientMaxSize)) return loopErrors.invalid('clientMaxSize should be a number.');
    const { core } = this;
    const { provider } = core.deps;
    const userKey = caller.kind === 'hawk' ? caller.userKey : undefined;
    let current = room;
    let sessionToken: string;
    try {
      if (provider.currentApiKey(room.channel) !== room.apiKey) current = await this.#rotate(room);
      const role = userKey === room.ownerKey ? 'moderator' : 'publisher';
      sessionToken = provider.createToken(current.sessionId, current.channel, role, core.nowSec() + core.deps.tokenDurationSec);
    } catch (err) {
      core.deps.log.warn({ err }, 'media provider failed at a room join');
      return loopErrors.backend();
    }
    // A Basic joiner keeps the key (and credential) of its first join; an unauthenticated one gets this token's.
    const key = caller.kind === 'none' ? core.deps.userMac(sessionToken) : caller.participantKey;
    // Optional fields assigned only when present (no conditional spreads: every join builds one).
    const participant: { -readonly [K in keyof ParticipantRecord]: ParticipantRecord[K] } = {
      key,
      roomConnectionId: randomUUID(),
      displayName,
      clientMaxSize,
    };
    if (userKey !== undefined) participant.userKey = userKey;
    if (caller.kind === 'hawk' && caller.identity !== undefined) participant.account = caller.identity;
    if (caller.kind !== 'hawk') participant.tokenCredential = true;
    // Steps 5–7 in one store step, atomic across every node sharing the store.
    const joined = await core.store.joinRoom(room.roomToken, { participant, participantTtlMs: core.durations.participantTtlMs, ...core.activity() });
    if (!joined.joined) return joinRefusalError(joined.refusal);
    await core.touched(joined.room);
    return { apiKey: current.apiKey, sessionId: current.sessionId, sessionToken, expires: core.durations.participantTtlSec };
  }

  /** §8.10 refresh: the participant (and so its Basic credential) lives another participantTTL; no ctime change. */
  async refresh(room: RoomRecord, caller: RoomCaller): Promise<{ expires: number } | LoopError> {
    if (caller.kind === 'none') return roomErrors.actionNeedsAuth();
    const ok = await this.core.store.touchParticipant(room.roomToken, caller.participantKey, this.core.durations.participantTtlMs);
    return ok ? { expires: this.core.durations.participantTtlSec } : roomErrors.participationExpired();
  }

  /** §8.10 leave: the record and its Basic credential go; the room is touched and its owner woken. */
  async leave(room: RoomRecord, caller: RoomCaller): Promise<LoopError | null> {
    if (caller.kind === 'none') return roomErrors.actionNeedsAuth();
    if (!(await this.core.store.deleteParticipant(room.roomToken, caller.participantKey))) return roomErrors.leaveNotJoined();
    await this.core.touch(room.roomToken);
    return null;
  }

  /** Whether the caller is a current participant (status and logDomain). */
  async isParticipant(room: RoomRecord, caller: RoomCaller): Promise<boolean> {
    if (caller.kind === 'none') return false;
    return (await this.core.store.getParticipant(room.roomToken, caller.participantKey)) !== undefined;
  }

  /** §8.10 join step 2: the channel's api key changed (rotation), so the room gets a new provider session. */
  async #rotate(room: RoomRecord): Promise<RoomRecord> {
    const { core } = this;
    const session = await core.deps.provider.createSession(room.channel);
    const patch = { apiKey: session.apiKey, sessionId: session.sessionId };
    return (await core.store.updateRoom(room.roomToken, patch, core.ttlUntil(room.expiresAt))) ?? { ...room, ...patch };
  }
}
