import type { ParticipantRecord, RoomRecord } from '../../store/rooms.ts';

/** §8.7: the smallest of `maxSize` and every participant's `clientMaxSize`. */
export function clientMaxSize(room: RoomRecord, participants: readonly ParticipantRecord[]): number {
  let size = room.maxSize;
  for (const p of participants) if (p.clientMaxSize < size) size = p.clientMaxSize;
  return size;
}

/** §8.6 step 3: what anyone holding the room URL may read. */
export function publicView(room: RoomRecord, roomUrl: string): Record<string, unknown> {
  return {
    roomToken: room.roomToken,
    ...(room.roomName !== undefined ? { roomName: room.roomName } : {}),
    context: room.context,
    roomOwner: room.roomOwner,
    roomUrl,
  };
}

/** §8.7: the owner's and participants' view; internal keys never appear. */
export function fullView(room: RoomRecord, participants: readonly ParticipantRecord[], roomUrl: string): Record<string, unknown> {
  return {
    roomToken: room.roomToken,
    roomUrl,
    ...(room.roomName !== undefined ? { roomName: room.roomName } : {}),
    context: room.context,
    roomOwner: room.roomOwner,
    maxSize: room.maxSize,
    clientMaxSize: clientMaxSize(room, participants),
    creationTime: room.creationTime,
    ctime: room.ctime,
    expiresAt: room.expiresAt,
    participants: participants.map((p) => ({
      roomConnectionId: p.roomConnectionId,
      displayName: p.displayName,
      ...(p.account !== undefined ? { account: p.account } : {}),
      owner: p.userKey !== undefined && p.userKey === room.ownerKey,
    })),
  };
}
