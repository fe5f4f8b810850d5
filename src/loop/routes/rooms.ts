import type { LoopContext } from '../context.ts';

/** What the rooms endpoints use besides the rooms domain. */
export type RoomRoutesContext = Pick<LoopContext, 'hawk' | 'limits' | 'log'>;
import { isLoopError, loopErrors } from '../errors.ts';
import type { LoopRouter } from '../router.ts';
import type { Rooms } from '../rooms/index.ts';
import { hawkSession, negotiated } from './guards.ts';
import { bulkDelete, roomInput, roomsSince } from './room-bodies.ts';
import { registerRoomActionRoutes } from './rooms-actions.ts';
import { alertOnRoomName, registerRoomTokenRoutes } from './rooms-token.ts';

/** §8: every rooms endpoint. */
export function registerRoomRoutes(router: LoopRouter, ctx: RoomRoutesContext, rooms: Rooms): void {
  registerRoomCollectionRoutes(router, ctx, rooms);
  registerRoomTokenRoutes(router, ctx, rooms);
  registerRoomActionRoutes(router, ctx, rooms);
}

/** §8.3–8.5: POST, GET and PATCH /rooms (Hawk). */
function registerRoomCollectionRoutes(router: LoopRouter, ctx: RoomRoutesContext, rooms: Rooms): void {
  router.add('POST', '/rooms', {
    body: true,
    async handler(ex) {
      const request = roomInput(ex.body);
      alertOnRoomName(ex, request);
      const session = await hawkSession(ctx, ex);
      if (!session || !negotiated(ex)) return;
      if (ctx.limits.rooms) {
        const waitSec = await ctx.limits.rooms.take(ex.req.client);
        if (waitSec > 0) return ex.fail(loopErrors.rateLimited(waitSec));
      }
      const created = await rooms.owner.create(session.record.userKey, request);
      if (isLoopError(created)) return ex.fail(created);
      ex.json(201, created);
    },
  });

  router.add('GET', '/rooms', {
    async handler(ex) {
      const session = await hawkSession(ctx, ex);
      if (!session) return;
      ex.json(200, await rooms.owner.list(session.record.userKey, roomsSince(ex.query.get('version'))));
    },
  });

  router.add('PATCH', '/rooms', {
    body: true,
    async handler(ex) {
      const session = await hawkSession(ctx, ex);
      if (!session || !negotiated(ex)) return;
      const outcome = await rooms.owner.removeMany(session.record.userKey, bulkDelete(ex.body));
      if (isLoopError(outcome)) return ex.fail(outcome);
      ex.json(outcome.status, { responses: outcome.responses });
    },
  });
}
