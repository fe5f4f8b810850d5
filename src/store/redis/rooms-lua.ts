import { roomScript as script } from './rooms-lua-prelude.ts';

/**
 * The room store's scripts for rooms, owner indexes, deleted-room notices,
 * the sweep and stats (rooms-lua-prelude.ts has the key layout; participants
 * and joins are in room-participants-lua.ts). Each operation is one script:
 * it checks and writes atomically, in one round trip.
 */

/**
 * ARGV[3] token, [4] ttl ms, [5] max live rooms per owner ('' for none), [6] owner key, [7] max rooms of the
 * deployment, [8..] field/value pairs: 1, or 0 when refused.
 */
export const CREATE = script('create', `
local t, ttl, cap, o = ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
-- The index may still hold gone rooms: count the live ones only when it could matter.
if cap and redis.call('SCARD', ro(o)) >= cap and countLive(o) >= cap then return 0 end
dropRoom(t) -- a token made twice: the old room goes with its participants and index entry
-- At the deployment's cap the room with the least time left goes (an expired one not yet swept first).
if redis.call('ZCARD', RMX) >= tonumber(ARGV[7]) then
  local first = redis.call('ZRANGE', RMX, 0, 0)[1]
  if first then dropRoom(first) end
end
redis.call('HSET', rm(t), ':o', o)
writeFields(t, 8)
redis.call('SADD', ro(o), t)
setEnd(t, ttl, o)
return 1
`);

/** ARGV[3] owner key: its live rooms. */
export const COUNT = script('count', `
return countLive(ARGV[3])
`);

/** ARGV[3] owner key, [4] cap: 1 when it has fewer live rooms. */
export const HAS_BELOW = script('hasBelow', `
local o, cap = ARGV[3], tonumber(ARGV[4])
if redis.call('SCARD', ro(o)) < cap or countLive(o) < cap then return 1 end
return 0
`);

/** ARGV[3] token: the live room's fields (HGETALL), or nil. */
export const GET = script('get', `
if not liveRoom(ARGV[3]) then return nil end
return redis.call('HGETALL', rm(ARGV[3]))
`);

/** ARGV[3] token, [4] ttl ms, [5..] field/value pairs ('' removes): the new fields, or nil when the room is gone. */
export const UPDATE = script('update', `
local t = ARGV[3]
if not liveRoom(t) then return nil end
writeFields(t, 5)
setEnd(t, tonumber(ARGV[4]), redis.call('HGET', rm(t), ':o'))
return redis.call('HGETALL', rm(t))
`);

/** ARGV[3] token: 1 when a live room was deleted. */
export const DELETE = script('delete', `
if not liveRoom(ARGV[3]) then return 0 end
dropRoom(ARGV[3])
return 1
`);

/** ARGV[3] owner key: the fields of each of its live rooms. */
export const LIST = script('list', `
local o = ARGV[3]
local out = {}
for _, t in ipairs(redis.call('SMEMBERS', ro(o))) do
  if redis.call('HGET', rm(t), ':o') ~= o then redis.call('SREM', ro(o), t)
  elseif liveRoom(t) then out[#out + 1] = redis.call('HGETALL', rm(t)) end
end
return out
`);

/** ARGV[3] owner key, [4] room token, [5] notice JSON, [6] ttl ms. */
export const ADD_NOTICE = script('addNotice', `
local o, t = ARGV[3], ARGV[4]
local e = NOW + math.max(1, tonumber(ARGV[6]))
redis.call('HSET', rn(o), t, ARGV[5])
redis.call('ZADD', rne(o), e, t)
redis.call('ZADD', RNX, e, pair(o, t))
backstop(rn(o), e)
backstop(rne(o), e)
return 1
`);

/** ARGV[3] owner key: the JSON of each live notice (expired ones are dropped on the way). */
export const LIST_NOTICES = script('listNotices', `
local o = ARGV[3]
for _, t in ipairs(redis.call('ZRANGEBYSCORE', rne(o), '-inf', NOW)) do
  redis.call('HDEL', rn(o), t)
  redis.call('ZREM', rne(o), t)
  redis.call('ZREM', RNX, pair(o, t))
end
local out = {}
for _, t in ipairs(redis.call('ZRANGEBYSCORE', rne(o), '(' .. string.format('%.17g', NOW), '+inf')) do
  local v = redis.call('HGET', rn(o), t)
  if v then out[#out + 1] = v end
end
return out
`);

/** ARGV[3] how many due rooms and notices to look at, at most: {rooms looked at, notices looked at}. */
export const SWEEP = script('sweep', `
local limit = tonumber(ARGV[3])
local rooms = redis.call('ZRANGEBYSCORE', RMX, '-inf', NOW, 'LIMIT', 0, limit)
for _, t in ipairs(rooms) do
  local e = tonumber(redis.call('HGET', rm(t), ':e'))
  if e and e > NOW then redis.call('ZADD', RMX, e, t) else dropRoom(t) end
end
local notices = redis.call('ZRANGEBYSCORE', RNX, '-inf', NOW, 'LIMIT', 0, limit)
for _, m in ipairs(notices) do
  local o, t = unpair(m)
  local e = tonumber(redis.call('ZSCORE', rne(o), t))
  if e and e > NOW then redis.call('ZADD', RNX, e, m)
  else
    redis.call('HDEL', rn(o), t)
    redis.call('ZREM', rne(o), t)
    redis.call('ZREM', RNX, m)
  end
end
return {#rooms, #notices}
`);

/** {live rooms, participants, notices}: exact after a sweep (participants of rooms that ended count until it). */
export const STATS = script('stats', `
local after = '(' .. string.format('%.17g', NOW)
return {redis.call('ZCOUNT', RMX, after, '+inf'), redis.call('ZCOUNT', RPX, after, '+inf'), redis.call('ZCOUNT', RNX, after, '+inf')}
`);
