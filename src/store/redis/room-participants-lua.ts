import { roomScript as script } from './rooms-lua-prelude.ts';

/**
 * The room store's scripts for participants (rooms-lua-prelude.ts has the
 * key layout). JOIN is §8.10 steps 5–7 in one atomic step: no other node's
 * join can come between its count of the participants and its write.
 */

/**
 * ARGV[3] token, [4] participant key, [5] record JSON, [6] participant ttl ms,
 * [7] joiner's clientMaxSize, [8] joiner's user key ('' when [9] is 0), [9] 1 when it has one,
 * [10] the room's new ctime (JSON), [11] its new expiresAt (JSON), [12] room ttl ms:
 * the touched room's fields, or the refusal ('no-room', 'full', 'client-capacity').
 */
export const JOIN = script('join', `
local t, k = ARGV[3], ARGV[4]
if not liveRoom(t) then return 'no-room' end
local f = redis.call('HMGET', rm(t), 'maxSize', ':o')
local owner = f[2]
local joiner = false
if ARGV[9] == '1' then joiner = ARGV[8] end
local joinerSize = tonumber(ARGV[7])

-- loop-v1.md §8.11, as src/store/room-capacity.ts has it (keep the two in step).
local all = redis.call('HGETALL', rp(t))
local others, cap, ownerIn = 0, tonumber(f[1]), false
for i = 2, #all, 2 do
  local e, size, user = seat(all[i])
  if e > NOW and not (joiner and user == joiner) then
    others = others + 1
    if size < cap then cap = size end
    if user and user == owner then ownerIn = true end
  end
end
local spare = cap - others
if not ownerIn and joiner ~= owner then spare = spare - 1 end
if spare <= 0 then return 'full' end
if joinerSize <= others then return 'client-capacity' end

local e = NOW + math.max(1, tonumber(ARGV[6]))
local user, ulen = '', '-'
if joiner then user, ulen = joiner, #joiner end
redis.call('HSET', rp(t), k, string.format('%.17g', e) .. ' ' .. ARGV[7] .. ' ' .. ulen .. ' ' .. user .. ARGV[5])
redis.call('ZADD', RPX, e, pair(t, k))
redis.call('HSET', rm(t), 'ctime', ARGV[10], 'expiresAt', ARGV[11])
setEnd(t, tonumber(ARGV[12]), owner)
return redis.call('HGETALL', rm(t))
`);

/** ARGV[3] token, [4] participant key: the live participant's record JSON, or nil. */
export const GET_PARTICIPANT = script('getParticipant', `
local v = liveSeat(ARGV[3], ARGV[4])
if not v then return nil end
local _, _, _, json = seat(v)
return json
`);

/** ARGV[3] token, [4] participant key, [5] ttl ms: 1 when the live participant's lifetime restarted. */
export const TOUCH_PARTICIPANT = script('touchParticipant', `
local t, k = ARGV[3], ARGV[4]
local v = liveSeat(t, k)
if not v then return 0 end
local e = NOW + math.max(1, tonumber(ARGV[5]))
local old = string.match(v, '^%S+')
redis.call('HSET', rp(t), k, string.format('%.17g', e) .. string.sub(v, #old + 1))
redis.call('ZADD', RPX, e, pair(t, k))
return 1
`);

/** ARGV[3] token, [4] participant key: 1 when a live participant was removed (an expired one is left for EXPIRE). */
export const DELETE_PARTICIPANT = script('deleteParticipant', `
local t, k = ARGV[3], ARGV[4]
if not liveSeat(t, k) then return 0 end
redis.call('HDEL', rp(t), k)
redis.call('ZREM', RPX, pair(t, k))
return 1
`);

/** ARGV[3] token: the record JSON of each live participant. */
export const LIST_PARTICIPANTS = script('listParticipants', `
local t = ARGV[3]
if not liveRoom(t) then return {} end
local out = {}
local all = redis.call('HGETALL', rp(t))
for i = 2, #all, 2 do
  local e, _, _, json = seat(all[i])
  if e > NOW then out[#out + 1] = json end
end
return out
`);

/**
 * ARGV[3] how many due participants to look at, at most: {looked at, {token, record JSON, ...}}
 * for those removed. Participants of rooms that ended vanish with their room, unreported.
 */
export const EXPIRE = script('expire', `
local due = redis.call('ZRANGEBYSCORE', RPX, '-inf', NOW, 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, m in ipairs(due) do
  local t, k = unpair(m)
  local v = liveRoom(t) and redis.call('HGET', rp(t), k)
  if not v then redis.call('ZREM', RPX, m)
  else
    local e, _, _, json = seat(v)
    if e > NOW then redis.call('ZADD', RPX, e, m)
    else
      redis.call('HDEL', rp(t), k)
      redis.call('ZREM', RPX, m)
      out[#out + 1] = t
      out[#out + 1] = json
    end
  end
end
return {#due, out}
`);
