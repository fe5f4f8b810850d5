import type { LoopRoomStore, ParticipantRecord, RoomRecord } from '../../src/store/rooms.ts';
import type { FakeTime } from '../helpers/fake-time.ts';
import type { Cases, Skip } from './contract-cases.ts';

export interface RoomStoreContract {
  /** Backend name, the prefix of every case. */
  readonly name: string;
  /** Builds a fresh backend; every lifetime is measured on `clock`. */
  readonly make: (o: { readonly clock: FakeTime }) => LoopRoomStore;
  /** Cases this backend cannot pass, with the reason. */
  readonly skip?: readonly Skip[];
}

/** A fresh store on a fresh clock (at 0). */
export type RoomSetup = () => { store: LoopRoomStore; time: FakeTime };
export type RoomCases = Cases<RoomSetup>;

/** How late expireParticipants may report a participant (src/store/rooms.ts). */
export const EXPIRY_LATENESS_MS = 1000;

export const room = (roomToken: string, ownerKey = 'u1'): RoomRecord => ({
  roomToken, roomName: `name-${roomToken}`, context: null, roomOwner: 'Owner', maxSize: 5, expiresIn: 1, creationTime: 1,
  ctime: 1, expiresAt: 2, ownerKey, channel: 'default', apiKey: 'api', sessionId: 'provider-session',
});
export const person = (key: string, displayName = key): ParticipantRecord => ({
  key, roomConnectionId: `id-${key}`, displayName, clientMaxSize: 5, userKey: `user-${key}`, account: `${key}@example.com`,
});
/**
 * Seats a participant for `ttlMs` the one way the contract has: joinRoom
 * (so the §8.11 capacity rule applies: the fixture rooms hold four `person`s).
 * The room keeps its ctime and expiresAt; its store lifetime restarts at
 * `roomTtlMs` (give the one it was created with to leave it unchanged).
 * False when the room is gone or the join was refused.
 */
export async function seat(store: LoopRoomStore, roomToken: string, participant: ParticipantRecord, ttlMs: number, roomTtlMs: number): Promise<boolean> {
  const current = await store.getRoom(roomToken);
  const join = { participant, participantTtlMs: ttlMs, ctime: current?.ctime ?? 0, expiresAt: current?.expiresAt ?? 0, roomTtlMs };
  return (await store.joinRoom(roomToken, join)).joined;
}
export const sorted = (xs: readonly string[]): string[] => [...xs].sort();
