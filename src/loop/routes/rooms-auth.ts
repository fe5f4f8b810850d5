import type { LoopAuth } from '../context.ts';
import { LoopError, loopErrors } from '../errors.ts';
import type { AuthedSession, Exchange } from '../exchange.ts';
import { isAsync, then, type MaybeAsync } from '../../store/maybe-async.ts';
import { authScheme } from '../hawk-auth.ts';
import type { RoomCaller, Rooms } from '../rooms/index.ts';
import { roomErrors } from '../rooms/errors.ts';
import { hawkVerify } from './guards.ts';

/**
 * §3.1 / §3.10 for `/rooms/{token}`: Hawk, a Basic participant token of this
 * room, or no credentials at all; any other scheme is 401 `Unsupported`.
 * Returns the caller, or null once a failure was written.
 */
export function roomCaller(ctx: LoopAuth, rooms: Rooms, ex: Exchange, roomToken: string): MaybeAsync<RoomCaller | null> {
  const authorization = ex.header('authorization');
  const scheme = authScheme(authorization);
  if (scheme === '') return NO_CALLER;
  if (scheme === 'hawk') {
    const outcome = hawkVerify(ctx, ex);
    return isAsync(outcome) ? outcome.then((o) => hawkCaller(ex, o)) : hawkCaller(ex, outcome);
  }
  if (scheme === 'basic') {
    const token = basicToken(authorization);
    if (token === null) return fail(ex, roomErrors.basicMalformed());
    return then(rooms.participants.tokenCaller(roomToken, token), (caller) => caller ?? fail(ex, roomErrors.basicInvalid()));
  }
  return fail(ex, loopErrors.unsupportedScheme('Basic,Hawk'));
}

const NO_CALLER: RoomCaller = Object.freeze({ kind: 'none' });

function hawkCaller(ex: Exchange, outcome: AuthedSession | LoopError): RoomCaller | null {
  if (outcome instanceof LoopError) return fail(ex, outcome);
  const { record } = outcome;
  // Two literals rather than a conditional spread (every Hawk room request makes one).
  return record.identity !== undefined
    ? { kind: 'hawk', participantKey: record.idHmac, userKey: record.userKey, identity: record.identity }
    : { kind: 'hawk', participantKey: record.idHmac, userKey: record.userKey };
}

/**
 * §3.10: `Basic base64("<sessionToken>:")`. The header must be exactly two
 * space-separated parts; one trailing ':' is removed after decoding, so a
 * password makes the token wrong (it then matches nothing).
 */
export function basicToken(authorization: string): string | null {
  const parts = authorization.split(' ');
  if (parts.length !== 2) return null;
  const decoded = Buffer.from(parts[1], 'base64').toString('utf8');
  return decoded.endsWith(':') ? decoded.slice(0, -1) : decoded;
}

function fail(ex: Exchange, err: LoopError): null {
  ex.fail(err);
  return null;
}
