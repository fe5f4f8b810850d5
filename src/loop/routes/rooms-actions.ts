import type { RoomRecord } from '../../store/rooms.ts';
import { then, type MaybeAsync } from '../../store/maybe-async.ts';
import { field } from '../body.ts';
import type { LoopAuth, LoopContext } from '../context.ts';
import { isLoopError, loopErrors } from '../errors.ts';
import type { Exchange } from '../exchange.ts';
import type { LoopRouter } from '../router.ts';
import type { RoomCaller, Rooms } from '../rooms/index.ts';
import { joinAnswerJson } from '../rooms/participants.ts';
import { roomErrors } from '../rooms/errors.ts';
import { ROOM_ACTIONS, domainCounts, statusReport } from '../rooms/status.ts';
import { negotiated, settled } from './guards.ts';
import { domainLogInput, joinRequest, statusInput } from './room-bodies.ts';
import { roomCaller } from './rooms-auth.ts';

type ActionHandler = (ex: Exchange, room: RoomRecord, caller: RoomCaller) => MaybeAsync<void>;

/** §8.10: POST /rooms/{token}, one handler per action. */
export function registerRoomActionRoutes(router: LoopRouter, ctx: LoopAuth & Pick<LoopContext, 'log'>, rooms: Rooms): void {
  const { participants } = rooms;
  const log = ctx.log;

  // join, refresh and leave answer at once when the store does (no promise hop per request).
  const actions: Record<string, ActionHandler> = {
    join(ex, room, caller) {
      if (!negotiated(ex)) return;
      return then(participants.join(room, caller, joinRequest(ex.body)), (answer) => {
        if (isLoopError(answer)) return ex.fail(answer);
        ex.jsonText(200, joinAnswerJson(answer));
      });
    },
    refresh(ex, room, caller) {
      return then(participants.refresh(room, caller), (answer) => {
        if (isLoopError(answer)) return ex.fail(answer);
        ex.json(200, answer);
      });
    },
    leave(ex, room, caller) {
      return then(participants.leave(room, caller), (failure) => {
        if (failure) return ex.fail(failure);
        ex.empty(204);
      });
    },
    // Not negotiated (§8.10): the values are only logged.
    async status(ex, room, caller) {
      const report = statusReport(statusInput(ex.body));
      if (isLoopError(report)) return ex.fail(report);
      if (!(await participants.isParticipant(room, caller))) return ex.fail(roomErrors.notInRoom());
      log.info({ roomToken: room.roomToken, status: report }, 'room participant status');
      ex.empty(204);
    },
    async logDomain(ex, room, caller) {
      if (!negotiated(ex)) return;
      const domains = domainCounts(domainLogInput(ex.body));
      if (isLoopError(domains)) return ex.fail(domains);
      if (!(await participants.isParticipant(room, caller))) return ex.fail(roomErrors.notInRoom());
      log.info({ roomToken: room.roomToken, domains }, 'room shared domains');
      ex.empty(204);
    },
  };

  const act = (ex: Exchange, room: RoomRecord, caller: RoomCaller | null): MaybeAsync<void> => {
    if (!caller) return;
    const action = field(ex.body, 'action');
    if (typeof action !== 'string' || !ROOM_ACTIONS.has(action)) return ex.fail(roomErrors.badAction(action === undefined));
    if (action !== 'join' && caller.kind === 'none') return ex.fail(roomErrors.actionNeedsAuth());
    return actions[action](ex, room, caller);
  };

  router.add('POST', '/rooms/{token}', {
    body: true,
    handler(ex) {
      const roomToken = ex.params[0];
      return settled(then(rooms.core.store.getRoom(roomToken), (room) => {
        if (!room) return ex.fail(loopErrors.tokenNotFound());
        return then(roomCaller(ctx, rooms, ex, roomToken), (caller) => act(ex, room, caller));
      }));
    },
  });
}
