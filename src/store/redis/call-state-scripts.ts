import { script } from './call-state-lua.ts';

/**
 * The call-state store's operations, one script each (the layout and the
 * helpers they share are in call-state-lua.ts). ARGV[1] prefix, ARGV[2] now
 * ('' for Redis's clock); each one's own arguments from ARGV[3].
 */

/**
 * [3] call id, [4] the placed call, [5] duration ms, [6] max calls per user ('' none),
 * [7] max calls ('' none), [8..] user keys: the users whose lists took it.
 */
export const CREATE = script('create', `
local id = ARGV[3]
sweep(20)
drop(id)
local maxCalls = tonumber(ARGV[7])
if maxCalls and redis.call('ZCOUNT', CALLS, '(' .. NOW, '+inf') >= maxCalls then return {} end
local maxPer = tonumber(ARGV[6])
local users, seen = {}, {}
for i = 8, #ARGV do
  local u = ARGV[i]
  if not seen[u] then
    seen[u] = true
    redis.call('ZREMRANGEBYSCORE', uk(u), '-inf', NOW)
    if not maxPer or redis.call('ZCARD', uk(u)) < maxPer then users[#users + 1] = u end
  end
end
if #users == 0 then return users end
local e = NOW + tonumber(ARGV[5])
local life = math.ceil(e - NOW + GRACE)
redis.call('HSET', ck(id), 'r', ARGV[4], 'e', e, 'm', 'init', 'u', cjson.encode(users))
redis.call('PEXPIRE', ck(id), life)
for _, u in ipairs(users) do
  redis.call('ZADD', uk(u), e, id)
  redis.call('PEXPIRE', uk(u), life)
end
redis.call('ZADD', CALLS, e, id)
return users
`);

/** [3] user key: its live calls, terminated ones included. */
export const COUNT_CALLS = script('countCalls', `
redis.call('ZREMRANGEBYSCORE', uk(ARGV[3]), '-inf', NOW)
return redis.call('ZCARD', uk(ARGV[3]))
`);

/** [3] user key: the placed calls of its live calls that are not terminated. */
export const LIST_CALLS = script('listCalls', `
local key = uk(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', NOW)
local out = {}
for _, id in ipairs(redis.call('ZRANGE', key, 0, -1)) do
  local f = redis.call('HMGET', ck(id), 'r', 'm')
  if f[1] and f[2] ~= '' then out[#out + 1] = f[1] end
end
return out
`);

/** [3] user key. */
export const DELETE_USER_CALLS = script('deleteUserCalls', `
for _, id in ipairs(redis.call('ZRANGE', uk(ARGV[3]), 0, -1)) do drop(id) end
redis.call('DEL', uk(ARGV[3]))
return 1
`);

/** [3] call id: {placed call, markers, reason or nil, live callers, live callees}, or nil. */
export const GET = script('get', `
local id = ARGV[3]
local f = live(id)
if not f then return nil end
return { redis.call('HGET', ck(id), 'r'), f[2], f[3], devices(id, 'caller'), devices(id, 'callee') }
`);

/**
 * [3] call id, [4] marker, [5] allowed states (digits), [6] '1' to broadcast the resulting state
 * when the state before was allowed and the one after is published: {count before, count after, 1 if added, reason or nil}, or nil.
 */
export const ADD_MARKER = script('addMarker', `
local id, marker = ARGV[3], ARGV[4]
local f = live(id)
if not f then return nil end
local before = count(f[2])
local allowed = allows(ARGV[5], before)
local added = allowed and not string.find(',' .. f[2] .. ',', ',' .. marker .. ',', 1, true)
if added then redis.call('HSET', ck(id), 'm', f[2] == '' and marker or f[2] .. ',' .. marker) end
local after = added and before + 1 or before
if allowed and ARGV[6] == '1' and after ~= 1 and after ~= 2 then announce(id, STATE_NAMES[math.min(after, 6)]) end -- init and half-initiated are never published
return { before, after, added and 1 or 0, f[3] }
`);

/**
 * [3] call id, [4] 1 with a reason, [5] the reason, [6] the states it may end from (digits) or '*',
 * [7] '1' to broadcast terminated (with the reason) whatever the outcome: 1 when it ended the call.
 */
export const TERMINATE = script('terminate', `
local id = ARGV[3]
if ARGV[7] == '1' then announce(id, 'terminated', ARGV[4] == '1' and ARGV[5] or nil) end
local f = live(id)
if not f then return 0 end
if ARGV[6] ~= '*' and not allows(ARGV[6], count(f[2])) then return 0 end
redis.call('HSET', ck(id), 'm', '')
if ARGV[4] == '1' then redis.call('HSET', ck(id), 'why', ARGV[5]) end
return 1
`);

/** [3] call id, [4] device id, [5] role, [6] lease ms: the role's live devices, or nil. */
export const JOIN = script('join', `
local id, dev = ARGV[3], ARGV[4]
local f = live(id)
if not f then return nil end
local role = ARGV[5]
-- A device joining again starts afresh.
for other in pairs(ROLES) do redis.call('ZREM', lk(id, other), dev) end
dropDeadlines(id, dev)
redis.call('ZADD', lk(id, role), NOW + tonumber(ARGV[6]), dev)
redis.call('PEXPIRE', lk(id, role), math.ceil(tonumber(f[1]) - NOW + GRACE))
rescore(id)
return devices(id, role)
`);

/** [3] lease ms, [4..] call id and device id pairs: the positions of the pairs it could not renew. */
export const RENEW = script('renew', `
local lease = NOW + tonumber(ARGV[3])
local lost, renewed = {}, {}
for i = 4, #ARGV - 1, 2 do
  local id, dev = ARGV[i], ARGV[i + 1]
  local role, was
  if live(id) then role, was = device(id, dev) end
  if role and was > NOW then -- a lapsed lease is not revived: its socket already counts as closed
    redis.call('ZADD', lk(id, role), lease, dev)
    renewed[id] = true
  else
    lost[#lost + 1] = (i - 4) / 2
  end
end
for id in pairs(renewed) do rescore(id) end
return lost
`);

/** [3] call id, [4] device id: {left of its role, 1 when it closed the call}, or nil. */
export const LEAVE = script('leave', `
local id, dev = ARGV[3], ARGV[4]
local f = live(id)
if not f then return nil end
local role = device(id, dev)
if not role then return nil end
return remove(id, f, dev, role)
`);

/** [3] call id, [4] device id, [5] kind, [6] in ms: 1 when armed. */
export const SET_DEADLINE = script('setDeadline', `
local id, dev = ARGV[3], ARGV[4]
local f = live(id)
if not f then return 0 end
local role, lease = device(id, dev)
if not role or lease <= NOW then return 0 end -- a lapsed lease is a closed socket: no timer
redis.call('ZADD', tk(id), NOW + tonumber(ARGV[6]), deadline(ARGV[5], dev))
redis.call('PEXPIRE', tk(id), math.ceil(tonumber(f[1]) - NOW + GRACE))
rescore(id)
return 1
`);

/** [3] call id, [4] device id, [5] kind: 1 / 0 (fired; it terminated the call or not), or nil when not armed. */
export const FIRE_DEADLINE = script('fireDeadline', `
local id, dev, kind = ARGV[3], ARGV[4], ARGV[5]
local f = live(id)
if not f then return nil end
local at = tonumber(redis.call('ZSCORE', tk(id), deadline(kind, dev)))
local role, lease = device(id, dev)
if not at or not role then return nil end
-- As a poll would now: a lease that lapsed before the deadline fell due is reaped first and takes it along.
if lease <= NOW and lease <= at then return nil end
redis.call('ZREM', tk(id), deadline(kind, dev))
rescore(id)
return fire(id, f, kind)
`);

/**
 * [3] max: what fell due, claimed and fired, as flat quadruples {call id,
 * device id, kind or 'lease', 1 when it terminated the call}; within a call
 * in time order (a lease before a deadline due at the same time).
 */
export const FIRE_DUE = script('fireDue', `
local max = tonumber(ARGV[3])
local out, fired = {}, 0
local function add(id, dev, kind, terminated)
  local n = #out
  out[n + 1], out[n + 2], out[n + 3], out[n + 4] = id, dev, kind, terminated
  fired = fired + 1
end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', DUE, '-inf', NOW, 'LIMIT', 0, max)) do
  if fired >= max then break end
  local f = live(id)
  if not f then
    drop(id)
  else
    local items = {}
    local function collect(key, role)
      local due = redis.call('ZRANGEBYSCORE', key, '-inf', NOW, 'WITHSCORES')
      for i = 1, #due, 2 do items[#items + 1] = { at = tonumber(due[i + 1]), member = due[i], role = role } end
    end
    for role in pairs(ROLES) do collect(lk(id, role), role) end
    collect(tk(id), false)
    -- In time order; at the same time a lease before a deadline (as fireDeadline decides).
    table.sort(items, function(a, b)
      if a.at ~= b.at then return a.at < b.at end
      if (a.role and 1 or 0) ~= (b.role and 1 or 0) then return a.role ~= false end
      return a.member < b.member
    end)
    for _, item in ipairs(items) do
      if fired >= max then break end
      if item.role then
        add(id, item.member, 'lease', remove(id, f, item.member, item.role)[2])
      elseif redis.call('ZREM', tk(id), item.member) == 1 then -- still armed: not reaped with its device just before
        local kind, dev = string.match(item.member, '^(%a+):(.*)$')
        add(id, dev, kind, fire(id, f, kind))
      end
    end
    rescore(id)
  end
end
return out
`);

/** [3] how many expired calls to drop at most: how many it dropped. */
export const SWEEP = script('sweep', `
return sweep(tonumber(ARGV[3]))
`);

/** [3..] call ids: each one's {marker count, reason or nil}, or {-1} when it is gone. */
export const STATES = script('states', `
local out = {}
for i = 3, #ARGV do
  local f = live(ARGV[i])
  out[#out + 1] = f and { count(f[2]), f[3] } or { -1 }
end
return out
`);
