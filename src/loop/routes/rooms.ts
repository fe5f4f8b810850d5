import type { LoopContext } from '../context.ts';

/** What the rooms endpoints use besides the rooms domain. */
export type RoomRoutesContext = Pick<LoopContext, 'hawk' | 'limits' | 'log'>;
import { isLoopError, loopErrors } from '../errors.ts';
import type { Exchange } from '../exchange.ts';
import type { RoomInput } from '../rooms/validation.ts';
import type { LoopRouter } from '../router.ts';
import type { Rooms } from '../rooms/index.ts';
import { hawkSession, negotiated, settled } from './guards.ts';
import { then, type MaybeAsync } from '../../store/maybe-async.ts';
import { bulkDelete, roomInput, roomsSince } from './room-bodies.ts';
import { registerRoomActionRoutes } from './rooms-actions.ts';
import { alertOnRoomName, registerRoomTokenRoutes } from './rooms-token.ts';

/** §8: every rooms endpoint. */
export function registerRoomRoutes(router: LoopRouter, ctx: RoomRoutesContext, rooms: Rooms): void {
  registerRoomCollectionRoutes(router, ctx, rooms);
  registerRoomTokenRoutes(router, ctx, rooms);
  registerRoomActionRoutes(router, ctx, rooms);
}

/**
 * POST /rooms once authenticated and not rate-limited. A module function, not
 * a closure per request: tsx names every const-bound closure with a
 * defineProperty call, which cost ~1.5 µs a create.
 */
function createRoom(rooms: Rooms, ex: Exchange, ownerKey: string, request: RoomInput): MaybeAsync<void> {
  return then(rooms.owner.create(ownerKey, request), (created) => {
    if (isLoopError(created)) return ex.fail(created);
    ex.json(201, created);
  });
}

/** §8.3–8.5: POST, GET and PATCH /rooms (Hawk). */
function registerRoomCollectionRoutes(router: LoopRouter, ctx: RoomRoutesContext, rooms: Rooms): void {
  router.add('POST', '/rooms', {
    body: true,
    handler(ex) {
      const request = roomInput(ex.body);
      alertOnRoomName(ex, request);
      // At once when the store answers at once (no promise hop).
      return settled(then(hawkSession(ctx, ex), (session) => {
        if (!session || !negotiated(ex)) return;
        const ownerKey = session.record.userKey;
        if (!ctx.limits.rooms) return createRoom(rooms, ex, ownerKey, request);
        return ctx.limits.rooms
          .take(ex.req.client)
          .then((waitSec) => (waitSec > 0 ? ex.fail(loopErrors.rateLimited(waitSec)) : createRoom(rooms, ex, ownerKey, request)));
      }));
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
