import { ERRNO, LoopError } from '../errors.ts';

const wwwAuth = (value: string) => [['WWW-Authenticate', value]] as const;

/** The room errors of loop-v1.md §8 and §3.10, with their exact status, errno and message. */
export const roomErrors = {
  notOwner: () => new LoopError(403, ERRNO.UNDEFINED, 'Authenticated user is not the owner of this room.'),
  notParticipantNorOwner: () =>
    new LoopError(403, ERRNO.UNDEFINED, 'Authenticated user is neither a participant of the room nor the room owner.'),
  full: () => new LoopError(400, ERRNO.ROOM_FULL, 'The room is full.'),
  clientCapacity: () => new LoopError(400, ERRNO.CLIENT_REACHED_CAPACITY, 'Too many participants in the room for you to handle.'),
  participationExpired: () => new LoopError(410, ERRNO.EXPIRED, 'Participation has expired.'),
  leaveNotJoined: () => new LoopError(400, ERRNO.NOT_ROOM_PARTICIPANT, 'Unable to leave a room you have not joined.'),
  notInRoom: () => new LoopError(400, ERRNO.NOT_ROOM_PARTICIPANT, "Can't update status for a room you aren't in."),
  /** §8.10 step 3: errno 108 when `action` is absent, 107 when it is something else. */
  badAction: (absent: boolean) =>
    new LoopError(400, absent ? ERRNO.MISSING_PARAMETERS : ERRNO.INVALID_PARAMETERS,
      'action should be one of join, refresh, status, leave, logDomain'),
  /** §8.10 step 4: an action other than join without credentials. */
  actionNeedsAuth: () => new LoopError(401, ERRNO.INVALID_AUTH_TOKEN, 'Unauthorized', wwwAuth('Token,Hawk')),
  /** §3.10: Authorization header not of two parts. */
  basicMalformed: () => new LoopError(401, ERRNO.INVALID_AUTH_TOKEN, 'Unauthorized', wwwAuth('Basic')),
  /** §3.10: unknown or expired participant token. */
  basicInvalid: () =>
    new LoopError(401, ERRNO.INVALID_AUTH_TOKEN, 'Invalid token; it may have expired.',
      wwwAuth('Basic error="Invalid token; it may have expired."')),
} as const;

/** §8.5: the per-token entry of a bulk delete for a room that is not the user's (or not there). */
export const ROOM_NOT_FOUND_ENTRY = Object.freeze({ code: 404, errno: ERRNO.INVALID_TOKEN, error: 'Room not found.' });
