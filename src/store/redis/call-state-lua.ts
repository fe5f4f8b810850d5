import { DEADLINE_ENDS_FROM, type CallState } from '../call-state.ts';
import { LIVE_STATES, stateForMarkerCount } from '../../loop/progress/call-state.ts';
import { Script } from './script.ts';

/**
 * The call-state store's Redis scripts: each operation checks and writes in
 * one atomic step, one round trip, and the store's own terminations publish
 * in that same step. Layout, under the deployment's prefix P:
 *
 *   P cs:ID     hash: r the placed call (JSON), e its end (ms), m its markers
 *               comma-joined ('' once terminated), why the reason, u its
 *               callees' user keys (JSON array)
 *   P csd:ID    hash: device id → role ('caller' / 'callee'), while it has devices
 *   P cst:ID    sorted set of the call's leases and deadlines by due time:
 *               l:DEVICE (its lease end), t:KIND:DEVICE (a deadline)
 *   P csu:USER  sorted set: the user's call list, call ids by end
 *   P csx       sorted set: every call by its end (the deployment's cap, sweeps)
 *   P csdue     sorted set: the calls that have devices, by their earliest
 *               lease end or deadline (what any node's fireDue looks at)
 *   P csev:ID   the call's channel: "STATE" or "STATE REASON"
 *
 * A call's end is a field checked by every script that reads it; its keys
 * also get a native PEXPIRE of its remaining life plus a grace, so Redis
 * cleans up by itself. The sorted sets may hold ids whose call is gone:
 * they are filtered, and removed when met.
 */

/** A state as its marker count, the form the scripts compare (a state set is a string of digits). */
const COUNT = new Map<CallState, number>(Array.from({ length: 7 }, (_, n) => [stateForMarkerCount(n), n]));
export const countOf = (state: CallState): number => COUNT.get(state)!;
export const stateOf = (count: number): CallState => stateForMarkerCount(count);
export const digitsOf = (states: readonly CallState[]): string => states.map(countOf).join('');

const ends = Object.entries(DEADLINE_ENDS_FROM).map(([kind, states]) => `${kind} = '${digitsOf(states)}'`).join(', ');
const kinds = Object.keys(DEADLINE_ENDS_FROM).map((kind) => `'${kind}'`).join(', ');

// ARGV[1] prefix, ARGV[2] now in ms ('' for Redis's clock); the operation's own from ARGV[3].
const PRELUDE = `
local P = ARGV[1]
local NOW = tonumber(ARGV[2])
if not NOW then
  local t = redis.call('TIME')
  NOW = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local GRACE = 60000
local CALLS, DUE = P .. 'csx', P .. 'csdue'
local function ck(id) return P .. 'cs:' .. id end
local function dk(id) return P .. 'csd:' .. id end
local function tk(id) return P .. 'cst:' .. id end
local function uk(u) return P .. 'csu:' .. u end
local ENDS = { ${ends} }
local LIVE = '${digitsOf(LIVE_STATES)}'
local KINDS = { ${kinds} }

local function allows(set, n) return string.find(set, tostring(n), 1, true) ~= nil end

local function count(markers)
  if markers == '' then return 0 end
  local _, commas = string.gsub(markers, ',', '')
  return commas + 1
end

local function drop(id)
  local users = redis.call('HGET', ck(id), 'u')
  if users then
    for _, u in ipairs(cjson.decode(users)) do redis.call('ZREM', uk(u), id) end
  end
  redis.call('DEL', ck(id), dk(id), tk(id))
  redis.call('ZREM', CALLS, id)
  redis.call('ZREM', DUE, id)
end

-- The call's fields if it lives: [1] end, [2] markers, [3] reason; an expired one is dropped here.
local function live(id)
  local f = redis.call('HMGET', ck(id), 'e', 'm', 'why')
  if not f[1] then return nil end
  if tonumber(f[1]) <= NOW then
    drop(id)
    return nil
  end
  return f
end

local function leaseOf(id, dev) return tonumber(redis.call('ZSCORE', tk(id), 'l:' .. dev)) end

-- Live devices per role (a lapsed lease counts as gone).
local function devices(id)
  local n = { caller = 0, callee = 0 }
  local all = redis.call('HGETALL', dk(id))
  for i = 1, #all, 2 do
    local lease = leaseOf(id, all[i])
    if lease and lease > NOW then n[all[i + 1]] = n[all[i + 1]] + 1 end
  end
  return n
end

-- Keeps the call's place in DUE at its earliest lease end or deadline.
local function rescore(id)
  local first = redis.call('ZRANGE', tk(id), 0, 0, 'WITHSCORES')
  if first[1] then redis.call('ZADD', DUE, first[2], id) else redis.call('ZREM', DUE, id) end
end

local function deadline(kind, dev) return 't:' .. kind .. ':' .. dev end

local function dropDeadlines(id, dev)
  for _, kind in ipairs(KINDS) do redis.call('ZREM', tk(id), deadline(kind, dev)) end
end

-- The store's own terminations: from the states in 'from' only, published in the same step.
local function finish(id, f, reason, from)
  if not allows(from, count(f[2])) then return false end
  redis.call('HSET', ck(id), 'm', '', 'why', reason)
  f[2], f[3] = '', reason
  redis.call('PUBLISH', P .. 'csev:' .. id, 'terminated ' .. reason)
  return true
end

-- A device goes (it left, or its lapsed lease is reaped): {left of its role, 1 when it closed the call}.
local function remove(id, f, dev, role)
  redis.call('HDEL', dk(id), dev)
  redis.call('ZREM', tk(id), 'l:' .. dev)
  dropDeadlines(id, dev)
  rescore(id)
  local left = devices(id)[role]
  return { left, (left == 0 and finish(id, f, 'closed', LIVE)) and 1 or 0 }
end

local function fire(id, f, kind) return finish(id, f, 'timeout', ENDS[kind]) and 1 or 0 end

-- Drops up to 'limit' expired calls; answers how many.
local function sweep(limit)
  local due = redis.call('ZRANGEBYSCORE', CALLS, '-inf', NOW, 'LIMIT', 0, limit)
  for _, id in ipairs(due) do drop(id) end
  return #due
end
`;

const script = (name: string, body: string) => new Script(`callState.${name}`, PRELUDE + body);

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
local n = devices(id)
return { redis.call('HGET', ck(id), 'r'), f[2], f[3], n.caller, n.callee }
`);

/** [3] call id, [4] marker, [5] allowed states (digits): {count before, count after, 1 if added, reason or nil}, or nil. */
export const ADD_MARKER = script('addMarker', `
local id, marker = ARGV[3], ARGV[4]
local f = live(id)
if not f then return nil end
local before = count(f[2])
local added = allows(ARGV[5], before) and not string.find(',' .. f[2] .. ',', ',' .. marker .. ',', 1, true)
if added then redis.call('HSET', ck(id), 'm', f[2] == '' and marker or f[2] .. ',' .. marker) end
return { before, added and before + 1 or before, added and 1 or 0, f[3] }
`);

/** [3] call id, [4] 1 with a reason, [5] the reason, [6] the states it may end from (digits) or '*': 1 when it did. */
export const TERMINATE = script('terminate', `
local id = ARGV[3]
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
redis.call('HSET', dk(id), dev, ARGV[5])
dropDeadlines(id, dev) -- a device joining again starts afresh
redis.call('ZADD', tk(id), NOW + tonumber(ARGV[6]), 'l:' .. dev)
local life = math.ceil(tonumber(f[1]) - NOW + GRACE)
redis.call('PEXPIRE', dk(id), life)
redis.call('PEXPIRE', tk(id), life)
rescore(id)
return devices(id)[ARGV[5]]
`);

/** [3] lease ms, [4..] call id and device id pairs: the positions of the pairs it could not renew. */
export const RENEW = script('renew', `
local lease = NOW + tonumber(ARGV[3])
local lost, renewed = {}, {}
for i = 4, #ARGV - 1, 2 do
  local id, dev = ARGV[i], ARGV[i + 1]
  local was = live(id) and redis.call('HEXISTS', dk(id), dev) == 1 and leaseOf(id, dev)
  if was and was > NOW then -- a lapsed lease is not revived: its socket already counts as closed
    redis.call('ZADD', tk(id), lease, 'l:' .. dev)
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
local role = redis.call('HGET', dk(id), dev)
if not role then return nil end
return remove(id, f, dev, role)
`);

/** [3] call id, [4] device id, [5] kind, [6] in ms: 1 when armed. */
export const SET_DEADLINE = script('setDeadline', `
local id, dev = ARGV[3], ARGV[4]
if not live(id) or redis.call('HEXISTS', dk(id), dev) == 0 then return 0 end
local lease = leaseOf(id, dev)
if not lease or lease <= NOW then return 0 end -- a lapsed lease is a closed socket: no timer
redis.call('ZADD', tk(id), NOW + tonumber(ARGV[6]), deadline(ARGV[5], dev))
rescore(id)
return 1
`);

/** [3] call id, [4] device id, [5] kind: 1 / 0 (fired; it terminated the call or not), or nil when not armed. */
export const FIRE_DEADLINE = script('fireDeadline', `
local id, dev, kind = ARGV[3], ARGV[4], ARGV[5]
local f = live(id)
if not f then return nil end
local at = tonumber(redis.call('ZSCORE', tk(id), deadline(kind, dev)))
local lease = leaseOf(id, dev)
if not at or not lease then return nil end
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
    for _, item in ipairs(redis.call('ZRANGEBYSCORE', tk(id), '-inf', NOW)) do
      if fired >= max then break end
      local dev = string.match(item, '^l:(.*)$')
      local kind, of = string.match(item, '^t:(%a+):(.*)$')
      if dev then
        local role = redis.call('HGET', dk(id), dev)
        if role then
          add(id, dev, 'lease', remove(id, f, dev, role)[2])
        end
      elseif kind and redis.call('ZREM', tk(id), item) == 1 then -- still armed: not reaped with its device just before
        add(id, of, kind, fire(id, f, kind))
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
