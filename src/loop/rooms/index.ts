import type { Timers } from '../../clock.ts';
import { RoomCore, type RoomDeps } from './core.ts';
import { ParticipantExpiry } from './expiry.ts';
import { RoomOwnerOps } from './owner.ts';
import { RoomParticipantOps } from './participants.ts';

export type { RoomCaller, RoomDeps } from './core.ts';

/** The room domain of loop-v1.md §8: plain TypeScript on an injected store, wall clock and timers. */
export interface Rooms {
  readonly core: RoomCore;
  readonly owner: RoomOwnerOps;
  readonly participants: RoomParticipantOps;
  readonly expiry: ParticipantExpiry;
}

export function createRooms(deps: RoomDeps, timers: Timers): Rooms {
  const core = new RoomCore(deps);
  return {
    core,
    owner: new RoomOwnerOps(core),
    participants: new RoomParticipantOps(core),
    expiry: new ParticipantExpiry(core, timers),
  };
}
