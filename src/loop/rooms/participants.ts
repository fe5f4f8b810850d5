import { randomUUID } from 'node:crypto';
import type { ParticipantRecord, RoomJoinResult, RoomRecord } from '../../store/rooms.ts';
import { isAsync, then, type MaybeAsync } from '../../store/maybe-async.ts';
import { loopErrors, type LoopError } from '../errors.ts';
import { flatJson } from '../flat-json.ts';
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

/** A join answer's JSON text (its tokens are long: see flat-json.ts). */
export const joinAnswerJson = flatJson<keyof JoinAnswer>(['apiKey', 'sessionId', 'sessionToken', 'expires']);

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

  /**
   * §8.10 join, steps 1–8; the request already passed negotiation. The
   * answer comes at once when the store and provider answer at once.
   */
  join(room: RoomRecord, caller: RoomCaller, request: JoinRequest): MaybeAsync<JoinAnswer | LoopError> {
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
    let rotated: Promise<RoomRecord> | undefined;
    try {
      if (this.core.deps.provider.currentApiKey(room.channel) !== room.apiKey) rotated = this.#rotate(room);
    } catch (err) {
      return this.#providerFailed(err);
    }
    if (rotated) return rotated.then((current) => this.#admit(room, current, caller, displayName, clientMaxSize), (err) => this.#providerFailed(err));
    return this.#admit(room, room, caller, displayName, clientMaxSize);
  }

  /** join steps 3–8 in `current` (the room, its provider session rotated when it had to be). */
  #admit(room: RoomRecord, current: RoomRecord, caller: RoomCaller, displayName: string, clientMaxSize: number): MaybeAsync<JoinAnswer | LoopError> {
    const { core } = this;
    const userKey = caller.kind === 'hawk' ? caller.userKey : undefined;
    let sessionToken: string;
    try {
      const role = userKey === room.ownerKey ? 'moderator' : 'publisher';
      sessionToken = core.deps.provider.createToken(current.sessionId, current.channel, role, core.nowSec() + core.deps.tokenDurationSec);
    } catch (err) {
      return this.#providerFailed(err);
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
    const { ctime, expiresAt, roomTtlMs } = core.activity();
    const joined = core.store.joinRoom(room.roomToken, { participant, participantTtlMs: core.durations.participantTtlMs, ctime, expiresAt, roomTtlMs });
    return then<RoomJoinResult, JoinAnswer | LoopError>(joined, (j) => {
      if (!j.joined) return joinRefusalError(j.refusal);
      const answer: JoinAnswer = { apiKey: current.apiKey, sessionId: current.sessionId, sessionToken, expires: core.durations.participantTtlSec };
      const pushed = core.touched(j.room);
      return isAsync(pushed) ? pushed.then(() => answer) : answer;
    });
  }

  #providerFailed(err: unknown): LoopError {
    this.core.deps.log.warn({ err }, 'media provider failed at a room join');
    return loopErrors.backend();
  }

  /** §8.10 refresh: the participant (and so its Basic credential) lives another participantTTL; no ctime change. */
  refresh(room: RoomRecord, caller: RoomCaller): MaybeAsync<{ expires: number } | LoopError> {
    if (caller.kind === 'none') return roomErrors.actionNeedsAuth();
    const { durations } = this.core;
    const ok = this.core.store.touchParticipant(room.roomToken, caller.participantKey, durations.participantTtlMs);
    return then(ok, (live) => (live ? { expires: durations.participantTtlSec } : roomErrors.participationExpired()));
  }

  /** §8.10 leave: the record and its Basic credential go; the room is touched and its owner woken. */
  leave(room: RoomRecord, caller: RoomCaller): MaybeAsync<LoopError | null> {
    if (caller.kind === 'none') return roomErrors.actionNeedsAuth();
    const deleted = this.core.store.deleteParticipant(room.roomToken, caller.participantKey);
    return then<boolean, LoopError | null>(deleted, (gone) => {
      if (!gone) return roomErrors.leaveNotJoined();
      const touched = this.core.touch(room.roomToken);
      return isAsync(touched) ? touched.then(() => null) : null;
    });
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
