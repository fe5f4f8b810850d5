import { LuaLibrary, type Script } from './script.ts';

/**
 * What every Loop store script shares: the clock, the key names and the
 * helpers that drop a session or a call URL with its index entries. Layout,
 * under the deployment's prefix P (every kind starts with `l`, so the Loop
 * keys never meet the other stores' under one prefix):
 *
 *   P ls:ID     hash, a session: k key, h idHmac, uk userKey, i identity,
 *               os oauthState, ot oauthToken; e expiry (ms), u '1' once used
 *   P lsu       sorted set: used sessions by expiry
 *   P lsf       sorted set: never-used sessions by expiry
 *   P lso       sorted set: never-used sessions by age (P lseq, a counter:
 *               made or touched later is younger); the oldest is evicted
 *   P lp:USER   hash, the user's push registrations: c:ID / r:ID (calls /
 *               rooms URL of session ID); live while session ID lives
 *   P lpo:ID    set: the users session ID registered push URLs under
 *   P lc:TOKEN  hash, a call URL: r the record (JSON), u userKey, e expiry
 *   P lcu:USER  sorted set: the user's call URL tokens by expiry
 *   P lcx       sorted set: every call URL by expiry
 *   P lnx       sorted set: Hawk nonces (16 raw bytes) by expiry
 *
 * Times are Redis's (TIME) unless a test passes its clock's reading. An
 * entry lives while its expiry is after NOW, checked by every script that
 * reads it; each key also gets a native PEXPIRE of its remaining lifetime
 * plus GRACE, a backstop that empties Redis even when no node sweeps, and
 * indexes tolerate members whose record is gone. A shared key (an index, a
 * user's hash) has a backstop at least as long as its longest-lived entry's.
 * Only P lseq has none: one number for the deployment, which must not start
 * over while sessions it ordered live.
 */

// ARGV[1] prefix, ARGV[2] now in ms ('' for Redis's clock); the operation's own from ARGV[3].
const HELPERS = `
local GRACE = 60000
local function sk(id) return P .. 'ls:' .. id end
local function pk(user) return P .. 'lp:' .. user end
local function pok(id) return P .. 'lpo:' .. id end
local function ck(token) return P .. 'lc:' .. token end
local function cuk(user) return P .. 'lcu:' .. user end

-- The expiry of a lifetime of ttl ms from now (at least 1 ms), and its backstop in whole ms.
local function expiry(ttl) return NOW + math.max(1, ttl) end
local function backstopMs(ttl) return math.ceil(math.max(1, ttl)) + GRACE end

-- Keeps the backstop of a key several entries share at least ms from now (never shortened); it
-- overshoots by GRACE, so the writes of the next minute find it long enough and only read it.
local function extend(key, ms)
  if redis.call('PTTL', key) < ms then redis.call('PEXPIRE', key, ms + GRACE) end
end

local function dropPush(id)
  local users = redis.call('SMEMBERS', pok(id))
  for _, user in ipairs(users) do redis.call('HDEL', pk(user), 'c:' .. id, 'r:' .. id) end
  if #users > 0 then redis.call('DEL', pok(id)) end
end

local function dropSession(id)
  redis.call('DEL', sk(id))
  redis.call('ZREM', SU, id)
  redis.call('ZREM', SF, id)
  redis.call('ZREM', SO, id)
  dropPush(id)
end

-- {expiry, used} of the live session; an expired one is dropped here.
local function liveSession(id)
  local f = redis.call('HMGET', sk(id), 'e', 'u')
  local e = tonumber(f[1])
  if not e then return nil end
  if e <= NOW then
    dropSession(id)
    return nil
  end
  return {e, f[2] == '1'}
end

-- Looks at up to limit members of index z due by now: drops each whose record (key(member), field e)
-- is over, moves the others to their current expiry; answers how many were due.
local function sweepIndex(z, key, drop, limit)
  local due = redis.call('ZRANGEBYSCORE', z, '-inf', NOW, 'LIMIT', 0, limit)
  for _, member in ipairs(due) do
    local e = tonumber(redis.call('HGET', key(member), 'e'))
    if e and e > NOW then redis.call('ZADD', z, 'XX', e, member) else drop(member) end
  end
  return #due
end

local function sweepSessions(z, limit) return sweepIndex(z, sk, dropSession, limit) end

local function dropCallUrl(token)
  local user = redis.call('HGET', ck(token), 'u')
  if user then
    redis.call('ZREM', cuk(user), token)
    redis.call('DEL', ck(token))
  end
  redis.call('ZREM', CX, token)
end

local function sweepCallUrls(limit) return sweepIndex(CX, ck, dropCallUrl, limit) end

-- Drops up to limit expired nonces (the first ranks are the earliest expiries); answers how many.
local function sweepNonces(limit)
  local n = math.min(redis.call('ZCOUNT', NX, '-inf', NOW), limit)
  if n > 0 then redis.call('ZREMRANGEBYRANK', NX, 0, n - 1) end
  return n
end
`;

const library = new LuaLibrary('loop', {
  perPrefix: {
    names: ['SU', 'SF', 'SO', 'SEQ', 'CX', 'NX'],
    setup: `SU, SF, SO, SEQ = P .. 'lsu', P .. 'lsf', P .. 'lso', P .. 'lseq'\nCX, NX = P .. 'lcx', P .. 'lnx'`,
  },
  // LIVE: ZCOUNT's lower bound for the live entries (expiry after NOW).
  perCall: { names: ['LIVE'], setup: `LIVE = string.format('(%.17g', NOW)` },
  helpers: HELPERS,
});
export const loopScript = (name: string, body: string): Script => library.script(name, body);
