import type { JoinRefusal } from '../../store/rooms.ts';
import { loopErrors, type LoopError } from '../errors.ts';
import { roomErrors } from './errors.ts';

/**
 * The answer to a join the room store refused (its atomic join applies the
 * §8.11 rule of store/room-capacity.ts): a room gone meanwhile is 404 errno
 * 105, a full room 400 errno 202, a joiner that cannot handle the others 400
 * errno 121.
 */
export function joinRefusalError(refusal: JoinRefusal): LoopError {
  switch (refusal) {
    case 'no-room':
      return loopErrors.tokenNotFound();
    case 'full':
      return roomErrors.full();
    case 'client-capacity':
      return roomErrors.clientCapacity();
  }
}
