import type { Logger } from 'pino';
import type { LoopRoomStore, RoomRecord } from '../../store/rooms.ts';
import type { MediaProvider } from '../external/types.ts';
import { isAsync, then, type MaybeAsync } from '../../store/maybe-async.ts';
import type { RoomDurations } from '../durations.ts';
import type { RoomSettings } from './validation.ts';

/** Who calls a room endpoint (§3.1, §3.10, §8.10). */
export type RoomCaller =
  /** A Hawk session: its participant key is the session's idHmac. */
  | { readonly kind: 'hawk'; readonly participantKey: string; readonly userKey: string; readonly identity?: string }
  /** A Basic participant token: its participant key is the token's HMAC; no user. */
  | { readonly kind: 'token'; readonly participantKey: string }
  | { readonly kind: 'none' };

export interface RoomDeps {
  readonly store: LoopRoomStore;
  /** The request-facing `rooms` settings (sizes; defaultTTL and maxTTL in the hours of `expiresIn`). */
  readonly settings: RoomSettings;
  /** The `rooms` lifetimes, converted once at the config boundary. */
  readonly durations: RoomDurations;
  readonly provider: MediaProvider;
  /** `tokBox.tokenDurationSec`: lifetime of the provider tokens handed out at join. */
  readonly tokenDurationSec: number;
  /** Sends the owner's `rooms` push wake-up (§11) with this version; never rejects. */
  notifyOwner(ownerKey: string, version: number): MaybeAsync<void>;
  /** HMAC(userMacSecret, value): the participant key of a provider token (§3.10). */
  userMac(value: string): string;
  /** §8.1 roomUrl of a token (the `rooms.webAppUrl` template, or this server's address). */
  roomUrl(roomToken: string): string;
  /** Wall-clock ms since the epoch: every unix-second field (ctime, expiresAt, push versions). */
  nowMs(): number;
  readonly log: Logger;
  /** Abuse caps (the Loop `limits` section); defaults when absent. */
  readonly limits?: Partial<RoomLimits>;
}

/** The room caps of the Loop `limits` section. */
export interface RoomLimits {
  /** Live rooms one owner may have (POST /rooms beyond: 403). */
  readonly roomsPerOwner: number;
  /** Largest context, bytes of its JSON. */
  readonly roomContextBytes: number;
  /** Longest participant displayName, UTF-16 code units. */
  readonly displayNameSize: number;
}

export const ROOM_LIMIT_DEFAULTS: RoomLimits = { roomsPerOwner: 100, roomContextBytes: 102_400, displayNameSize: 255 };

const HOUR_SEC = 3600;

/** §8.12 activity: the room's new `ctime` and `expiresAt` (unix s) and its store lifetime. */
export interface RoomActivity {
  readonly ctime: number;
  readonly expiresAt: number;
  readonly roomTtlMs: number;
}

/**
 * What the owner and participant operations share: times, the room touch of
 * §8.12 and owner push wake-ups.
 */
export class RoomCore {
  readonly limits: RoomLimits;

  constructor(readonly deps: RoomDeps) {
    this.limits = { ...ROOM_LIMIT_DEFAULTS, ...deps.limits };
  }

  get store(): LoopRoomStore {
    return this.deps.store;
  }

  get settings(): RoomSettings {
    return this.deps.settings;
  }

  nowSec(): number {
    return Math.floor(this.deps.nowMs() / 1000);
  }

  roomUrl(roomToken: string): string {
    return this.deps.roomUrl(roomToken);
  }

  /** Store lifetime of a room that ends at `expiresAt` (unix s). */
  ttlUntil(expiresAt: number): number {
    return Math.max(1, expiresAt * 1000 - this.deps.nowMs());
  }

  /** `expiresAt` of a lifetime of `hours` starting now. */
  expiresAfter(hours: number): number {
    return this.nowSec() + hours * HOUR_SEC;
  }

  get durations(): RoomDurations {
    return this.deps.durations;
  }

  /**
   * §8.12 activity (join, leave, participant expiry) now: `ctime` ← now,
   * `expiresAt` ← now + `rooms.extendTTL` hours whatever the owner asked for
   * (quirk, reproduced).
   */
  activity(): RoomActivity {
    const ctime = this.nowSec();
    const expiresAt = ctime + this.deps.durations.extendTtlMs / 1000;
    return { ctime, expiresAt, roomTtlMs: this.ttlUntil(expiresAt) };
  }

  /** Applies the activity of now to a room (leave, participant expiry), then pushes its owner. */
  touch(roomToken: string): MaybeAsync<RoomRecord | undefined> {
    const { ctime, expiresAt, roomTtlMs } = this.activity();
    return then(this.store.updateRoom(roomToken, { ctime, expiresAt }, roomTtlMs), (room) => {
      if (!room) return room;
      const pushed = this.touched(room);
      return isAsync(pushed) ? pushed.then(() => room) : room;
    });
  }

  /** The owner's `rooms` push (§11) for a room just touched, with its new ctime as version. */
  touched(room: RoomRecord): MaybeAsync<void> {
    return this.deps.notifyOwner(room.ownerKey, room.ctime);
  }
}
