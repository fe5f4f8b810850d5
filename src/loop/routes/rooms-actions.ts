import type { RoomRecord } from '../../store/rooms.ts';
import { field } from '../body.ts';
import type { LoopAuth, LoopContext } from '../context.ts';
import { isLoopError, loopErrors } from '../errors.ts';
import type { Exchange } from '../exchange.ts';
import type { LoopRouter } from '../router.ts';
import type { RoomCaller, Rooms } from '../rooms/index.ts';
import { roomErrors } from '../rooms/errors.ts';
import { ROOM_ACTIONS, domainCounts, statusReport } from '../rooms/status.ts';
import { negotiated } from './guards.ts';
import { domainLogInput, joinRequest, statusInput } from './room-bodies.ts';
import { roomCaller } from './rooms-auth.ts';

type ActionHandler = (ex: Exchange, room: RoomRecord, caller: RoomCaller) => Promise<void>;

/** §8.10: POST /rooms/{token}, one handler per action. */
export function registerRoomActionRoutes(router: LoopRouter, ctx: LoopAuth & Pick<LoopContext, 'log'>, rooms: Rooms): void {
  const { participants } = rooms;
  const log = ctx.log;

  const actions: Record<string, ActionHandler> = {
    async join(ex, room, caller) {
      if (!negotiated(ex)) return;
      const answer = await participants.join(room, caller, joinRequest(ex.body));
      if (isLoopError(answer)) return ex.fail(answer);
      ex.json(200, answer);
    },
    async refresh(ex, room, caller) {
      const answer = await participants.refresh(room, caller);
      if (isLoopError(answer)) return ex.fail(answer);
      ex.json(200, answer);
    },
    async leave(ex, room, caller) {
      const failure = await participants.leave(room, caller);
      if (failure) return ex.fail(failure);
      ex.empty(204);
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

  router.add('POST', '/rooms/{token}', {
    body: true,
    async handler(ex) {
      const roomToken = ex.params[0];
      const room = await rooms.core.store.getRoom(roomToken);
      if (!room) return ex.fail(loopErrors.tokenNotFound());
      const caller = await roomCaller(ctx, rooms, ex, roomToken);
      if (!caller) return;
      const action = field(ex.body, 'action');
      if (typeof action !== 'string' || !ROOM_ACTIONS.has(action)) return ex.fail(roomErrors.badAction(action === undefined));
      if (action !== 'join' && caller.kind === 'none') return ex.fail(roomErrors.actionNeedsAuth());
      await actions[action](ex, room, caller);
    },
  });
}
