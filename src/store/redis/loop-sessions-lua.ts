import { loopScript as script } from './loop-lua.ts';

/**
 * The Loop store's session and push-registration scripts (layout in
 * loop-lua.ts). The never-used budget is kept by age: past it the session
 * made or touched longest ago goes (plain reads do not count as use). The
 * used budget counts live used sessions exactly (ZCOUNT above NOW).
 */

/** ARGV[3] id, [4] ttl ms, [5] never-used budget, [6..] field/value pairs of the record. */
export const CREATE_SESSION = script('createSession', `
local id, ttl, cap = ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
if redis.call('EXISTS', sk(id)) == 1 then dropSession(id) end
if redis.call('ZCARD', SO) >= cap then sweepSessions(SF, 100) end
while redis.call('ZCARD', SO) >= cap do
  local oldest = redis.call('ZPOPMIN', SO)
  if not oldest[1] then break end
  dropSession(oldest[1])
end
local e = expiry(ttl)
local hset = {'HSET', sk(id), 'e', e}
for i = 6, #ARGV do hset[#hset + 1] = ARGV[i] end
redis.call(unpack(hset))
local ms = backstopMs(ttl)
redis.call('PEXPIRE', sk(id), ms)
redis.call('ZADD', SF, e, id)
redis.call('ZADD', SO, redis.call('INCR', SEQ), id)
extend(SF, ms)
extend(SO, ms)
return 1
`);

/** ARGV[3] id: the live session's hash as field/value pairs, or nil. */
export const GET_SESSION = script('getSession', `
if not liveSession(ARGV[3]) then return nil end
return redis.call('HGETALL', sk(ARGV[3]))
`);

/**
 * ARGV[3] id, [4] ttl ms, [5] used budget: restarts the lifetime (and the
 * backstops of its push registrations); a never-used session becomes used
 * when the budget has room, and is otherwise the youngest never-used one.
 */
export const TOUCH_SESSION = script('touchSession', `
local id, ttl, cap = ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local s = liveSession(id)
if not s then return 0 end
local e, used, ms = expiry(ttl), s[2], backstopMs(ttl)
if not used then
  if redis.call('ZCARD', SU) >= cap then sweepSessions(SU, 100) end
  used = redis.call('ZCOUNT', SU, LIVE, '+inf') < cap
  if used then
    redis.call('ZREM', SF, id)
    redis.call('ZREM', SO, id)
    redis.call('HSET', sk(id), 'u', 1)
  else
    redis.call('ZADD', SF, e, id)
    redis.call('ZADD', SO, redis.call('INCR', SEQ), id)
    extend(SF, ms)
    extend(SO, ms)
  end
end
if used then
  redis.call('ZADD', SU, e, id)
  extend(SU, ms)
end
redis.call('HSET', sk(id), 'e', e)
redis.call('PEXPIRE', sk(id), ms)
local users = redis.call('SMEMBERS', pok(id))
if #users > 0 then
  for _, user in ipairs(users) do extend(pk(user), ms) end
  extend(pok(id), ms)
end
return 1
`);

/** ARGV[3] id, [4] n, [5 .. 4+2n] field/value pairs to set, the rest fields to delete: 1 when the session lives. */
export const UPDATE_SESSION = script('updateSession', `
local id, n = ARGV[3], tonumber(ARGV[4])
if not liveSession(id) then return 0 end
if n > 0 then
  local hset = {'HSET', sk(id)}
  for i = 5, 4 + 2 * n do hset[#hset + 1] = ARGV[i] end
  redis.call(unpack(hset))
end
if #ARGV > 4 + 2 * n then
  local hdel = {'HDEL', sk(id)}
  for i = 5 + 2 * n, #ARGV do hdel[#hdel + 1] = ARGV[i] end
  redis.call(unpack(hdel))
end
return 1
`);

/** ARGV[3] id: the session goes with its push registrations. */
export const DELETE_SESSION = script('deleteSession', `
dropSession(ARGV[3])
return 1
`);

/** ARGV[3] user, [4] session id, [5..] topic letter / URL pairs: merged while the session lives. */
export const SET_PUSH_URLS = script('setPushUrls', `
local user, id = ARGV[3], ARGV[4]
local s = liveSession(id)
if not s then return 0 end
if #ARGV >= 5 then
  local hset = {'HSET', pk(user)}
  for i = 5, #ARGV, 2 do
    hset[#hset + 1] = ARGV[i] .. ':' .. id
    hset[#hset + 1] = ARGV[i + 1]
  end
  redis.call(unpack(hset))
end
redis.call('SADD', pok(id), user)
local ms = backstopMs(s[1] - NOW)
extend(pk(user), ms)
extend(pok(id), ms)
return 1
`);

/** ARGV[3] user, [4] session id. */
export const DELETE_PUSH_URLS = script('deletePushUrls', `
local user, id = ARGV[3], ARGV[4]
redis.call('HDEL', pk(user), 'c:' .. id, 'r:' .. id)
redis.call('SREM', pok(id), user)
return 1
`);

/** ARGV[3] user: every registration of the user. */
export const DELETE_USER_PUSH_URLS = script('deleteUserPushUrls', `
local user = ARGV[3]
for _, field in ipairs(redis.call('HKEYS', pk(user))) do redis.call('SREM', pok(string.sub(field, 3)), user) end
redis.call('DEL', pk(user))
return 1
`);

/** ARGV[3] user, [4] topic letter: the URLs of the user's live sessions, each once; registrations of gone sessions are dropped. */
export const PUSH_URLS = script('pushUrls', `
local user, topic = ARGV[3], ARGV[4] .. ':'
local h = redis.call('HGETALL', pk(user))
local out, seen, alive = {}, {}, {}
for i = 1, #h, 2 do
  local field, url = h[i], h[i + 1]
  local id = string.sub(field, 3)
  if alive[id] == nil then
    alive[id] = liveSession(id) ~= nil
    if not alive[id] then
      redis.call('HDEL', pk(user), 'c:' .. id, 'r:' .. id)
      redis.call('SREM', pok(id), user)
    end
  end
  if alive[id] and string.sub(field, 1, 2) == topic and not seen[url] then
    seen[url] = true
    out[#out + 1] = url
  end
end
return out
`);
