import { LuaLibrary } from './script.ts';

/**
 * What every room script starts with. Layout, under the deployment's prefix P:
 *
 *   P rm:TOKEN   hash: the room's fields, each JSON-encoded under its own name
 *                (room-codec.ts), plus ':e' its end (ms on the scripts' clock)
 *                and ':o' its owner key as is (the owner index and §8.11 read it)
 *   P rp:TOKEN   hash: participant key -> "<end ms> <clientMaxSize> <userKey
 *                byte length or -> <userKey><record JSON>" (room-codec.ts)
 *   P ro:OWNER   set: the owner's room tokens (members whose room is gone or
 *                was made again by another owner are dropped when met)
 *   P rn:OWNER   hash: room token -> deleted-room notice JSON
 *   P rne:OWNER  sorted set: those room tokens by the notice's end
 *   P rmx        sorted set: every room token by its end (sweep, stats)
 *   P rpx        sorted set: every participant, "<token length>:<token><key>",
 *                by its end (expireParticipants, stats)
 *   P rnx        sorted set: every notice, "<owner length>:<owner><token>", by its end
 *
 * A lifetime is a field checked by every script that reads the record, on
 * NOW: Redis's TIME, or the caller's reading in tests. Keys also carry a
 * PEXPIRE backstop (remaining lifetime + GRACE, relative, so it is right on
 * Redis's clock too) so that Redis frees them if no node sweeps; the three
 * sorted sets are cleaned by the sweep and expireParticipants, and every
 * index tolerates members whose record is gone.
 */

// ARGV[1] prefix, ARGV[2] now in ms ('' for Redis's clock); the operation's own from ARGV[3].
const HELPERS = `
local GRACE = 60000
local function rm(t) return P .. 'rm:' .. t end
local function rp(t) return P .. 'rp:' .. t end
local function ro(o) return P .. 'ro:' .. o end
local function rn(o) return P .. 'rn:' .. o end
local function rne(o) return P .. 'rne:' .. o end
local function pair(a, b) return #a .. ':' .. a .. b end
local function unpair(m)
  local n, at = string.match(m, '^(%d+):()')
  n = tonumber(n)
  return string.sub(m, at, at + n - 1), string.sub(m, at + n)
end

-- The backstop: key k lives at least until 'endMs' + GRACE (never shortened).
local function backstop(k, endMs)
  local want = endMs - NOW + GRACE
  local left = redis.call('PTTL', k)
  if left == -1 or (left >= 0 and left < want) then redis.call('PEXPIRE', k, want) end
end

-- A participant value: end, clientMaxSize, userKey (false when absent), record JSON.
local function seat(v)
  local e, size, ulen, at = string.match(v, '^(%S+) (%S+) (%S+) ()')
  local user = false
  if ulen ~= '-' then
    local n = tonumber(ulen)
    user = string.sub(v, at, at + n - 1)
    at = at + n
  end
  return tonumber(e), tonumber(size), user, string.sub(v, at)
end

-- Removes the room under t with its participants and index entries, live or not.
local function dropRoom(t)
  local o = redis.call('HGET', rm(t), ':o')
  if o then redis.call('SREM', ro(o), t) end
  local keys = redis.call('HKEYS', rp(t))
  for _, k in ipairs(keys) do redis.call('ZREM', RPX, pair(t, k)) end
  redis.call('DEL', rm(t), rp(t))
  redis.call('ZREM', RMX, t)
end

-- The room's end when it is live; an expired one is dropped here (its participants vanish silently).
local function liveRoom(t)
  local e = tonumber(redis.call('HGET', rm(t), ':e'))
  if not e then return nil end
  if e <= NOW then
    dropRoom(t)
    return nil
  end
  return e
end

-- Restarts the room's lifetime at ttl from NOW.
local function setEnd(t, ttl, owner)
  local e = NOW + math.max(1, ttl)
  redis.call('HSET', rm(t), ':e', e)
  redis.call('ZADD', RMX, e, t)
  redis.call('PEXPIRE', rm(t), e - NOW + GRACE)
  redis.call('PEXPIRE', rp(t), e - NOW + GRACE)
  backstop(ro(owner), e)
end

-- Writes field/value pairs from ARGV[from]; an empty value removes the field.
local function writeFields(t, from)
  for i = from, #ARGV, 2 do
    if ARGV[i + 1] == '' then redis.call('HDEL', rm(t), ARGV[i])
    else redis.call('HSET', rm(t), ARGV[i], ARGV[i + 1]) end
  end
end

-- The live participant's value, or nil.
local function liveSeat(t, k)
  if not liveRoom(t) then return nil end
  local v = redis.call('HGET', rp(t), k)
  if not v or seat(v) <= NOW then return nil end
  return v
end

-- How many live rooms the owner has; index members whose room is gone or another owner's are dropped.
local function countLive(o)
  local n = 0
  for _, t in ipairs(redis.call('SMEMBERS', ro(o))) do
    local f = redis.call('HMGET', rm(t), ':e', ':o')
    if not f[1] or f[2] ~= o then redis.call('SREM', ro(o), t)
    elseif tonumber(f[1]) <= NOW then dropRoom(t)
    else n = n + 1 end
  end
  return n
end
`;

const library = new LuaLibrary('rooms', {
  perPrefix: { names: ['RMX', 'RPX', 'RNX'], setup: `RMX, RPX, RNX = P .. 'rmx', P .. 'rpx', P .. 'rnx'` },
  helpers: HELPERS,
});
export const roomScript = (name: string, body: string) => library.script(name, body);
