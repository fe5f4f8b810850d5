import type { LoopAuth } from '../context.ts';
import { isLoopError, loopErrors } from '../errors.ts';
import type { Exchange } from '../exchange.ts';
import type { LoopRouter } from '../router.ts';
import type { Rooms } from '../rooms/index.ts';
import { ROOM_NAME_ALERT, type RoomInput } from '../rooms/validation.ts';
import { hawkSession } from './guards.ts';
import { roomInput } from './room-bodies.ts';
import { roomCaller } from './rooms-auth.ts';

/** §2.3: create and update requests whose body has `roomName` carry the deprecation `Alert`, even when they fail. */
export function alertOnRoomName(ex: Exchange, request: RoomInput): void {
  if (request.roomName !== undefined) ex.reply.common = [...ex.reply.common, ROOM_NAME_ALERT];
}

/** §8.6, §8.8, §8.9: GET, PATCH and DELETE /rooms/{token}. */
export function registerRoomTokenRoutes(router: LoopRouter, ctx: LoopAuth, rooms: Rooms): void {
  const { store } = rooms.core;

  router.add('GET', '/rooms/{token}', {
    async handler(ex) {
      const roomToken = ex.params[0];
      // §8.6: an unknown room is 404 before any credentials are looked at.
      const room = await store.getRoom(roomToken);
      if (!room) return ex.fail(loopErrors.tokenNotFound());
      const caller = await roomCaller(ctx, rooms, ex, roomToken);
      if (!caller) return;
      const view = await rooms.owner.view(room, caller);
      if (isLoopError(view)) return ex.fail(view);
      ex.json(200, view);
    },
  });

  router.add('PATCH', '/rooms/{token}', {
    body: true,
    async handler(ex) {
      const request = roomInput(ex.body);
      alertOnRoomName(ex, request);
      const session = await hawkSession(ctx, ex);
      if (!session) return;
      const outcome = await rooms.owner.update(ex.params[0], session.record.userKey, request);
      if (isLoopError(outcome)) return ex.fail(outcome);
      ex.json(200, outcome);
    },
  });

  router.add('DELETE', '/rooms/{token}', {
    async handler(ex) {
      const session = await hawkSession(ctx, ex);
      if (!session) return;
      const failure = await rooms.owner.remove(ex.params[0], session.record.userKey);
      if (failure) return ex.fail(failure);
      ex.empty(204);
    },
  });
}
