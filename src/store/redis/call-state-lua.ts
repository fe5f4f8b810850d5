import { DEADLINE_ENDS_FROM, type CallState } from '../call-state.ts';
import { LIVE_STATES, stateForMarkerCount } from '../../loop/progress/call-state.ts';
import { LuaLibrary, type Script } from './script.ts';

/**
 * The call-state store's Redis layout and the Lua its scripts share (the
 * operations are in call-state-scripts.ts): each operation checks and
 * writes in one atomic step, one round trip, and the store's own
 * terminations publish in that same step. Layout, under the deployment's
 * prefix P:
 *
 *   P cs:ID     hash: r the placed call (JSON), e its end (ms), m its markers
 *               comma-joined ('' once terminated), why the reason, u its
 *               callees' user keys (JSON array)
 *   P csc:ID    sorted set: the call's caller devices by lease end
 *   P cse:ID    sorted set: its callee devices by lease end
 *   P cst:ID    sorted set: its devices' deadlines, KIND:DEVICE by due time
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

// Each marker count's state name, as a Lua table (what a script publishes for a client's action).
const names = Array.from({ length: 7 }, (_, n) => `[${n}] = '${stateForMarkerCount(n)}'`).join(', ');
const ends = Object.entries(DEADLINE_ENDS_FROM).map(([kind, states]) => `${kind} = '${digitsOf(states)}'`).join(', ');
const kinds = Object.keys(DEADLINE_ENDS_FROM).map((kind) => `'${kind}'`).join(', ');

// ARGV[1] prefix, ARGV[2] now in ms ('' for Redis's clock); the operation's own from ARGV[3].
const HELPERS = `
local GRACE = 60000
local function ck(id) return P .. 'cs:' .. id end
local function tk(id) return P .. 'cst:' .. id end
local ROLES = { caller = 'csc:', callee = 'cse:' }
local function lk(id, role) return P .. ROLES[role] .. id end
local function uk(u) return P .. 'csu:' .. u end
local ENDS = { ${ends} }
local LIVE = '${digitsOf(LIVE_STATES)}'
local KINDS = { ${kinds} }
local STATE_NAMES = { ${names} }
local function announce(id, state, reason)
  redis.call('PUBLISH', P .. 'csev:' .. id, reason and (state .. ' ' .. reason) or state)
end

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
  redis.call('DEL', ck(id), lk(id, 'caller'), lk(id, 'callee'), tk(id))
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

-- The device's role and lease end, or nil when it is not a device of the call.
local function device(id, dev)
  for role in pairs(ROLES) do
    local lease = tonumber(redis.call('ZSCORE', lk(id, role), dev))
    if lease then return role, lease end
  end
  return nil
end

-- The role's devices whose lease has not lapsed.
local function devices(id, role) return redis.call('ZCOUNT', lk(id, role), '(' .. NOW, '+inf') end

-- Keeps the call's place in DUE at its earliest lease end or deadline.
local function rescore(id)
  local at
  for _, key in ipairs({ lk(id, 'caller'), lk(id, 'callee'), tk(id) }) do
    local first = tonumber(redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')[2])
    if first and (not at or first < at) then at = first end
  end
  if at then redis.call('ZADD', DUE, at, id) else redis.call('ZREM', DUE, id) end
end

local function deadline(kind, dev) return kind .. ':' .. dev end

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
  redis.call('ZREM', lk(id, role), dev)
  dropDeadlines(id, dev)
  rescore(id)
  local left = devices(id, role)
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

const library = new LuaLibrary('callState', {
  perPrefix: { names: ['CALLS', 'DUE'], setup: `CALLS, DUE = P .. 'csx', P .. 'csdue'` },
  helpers: HELPERS,
});
/** A script of one operation: the shared parts (layout, clock, helpers), then its own body. */
export const script = (name: string, body: string): Script => library.script(name, body);
