import { CLOCK_PRELUDE, Script } from './script.ts';

/**
 * The inbox store's Redis scripts: each operation checks and writes in one
 * atomic step, one round trip. Layout, under the deployment's prefix P:
 *
 *   P i:NAME  hash: s secret digest, e idle expiry (ms), b queued body bytes,
 *             c reader claim epoch and l its lease end (only while claimed)
 *   P q:NAME  list of encoded messages, oldest first (message-codec.ts)
 *   P x       sorted set: every inbox by the time it expires, max(e, l)
 *   P n       the last claim epoch (one counter for the deployment)
 *   P m, P b  messages and body bytes queued in the deployment
 *   P ev:NAME the inbox's channel: m (message), gd / ge (gone: deleted,
 *             expired), r<epoch> (a reader claimed it)
 *
 * Times are Redis's (TIME), so nodes whose clocks disagree agree on every
 * expiry; a test passes its own clock's reading instead. Expiry is a field
 * checked on every access and swept by every node, never a Redis key TTL:
 * the counters and the expiry order stay in step with what exists, and the
 * watchers hear 'gone'.
 */

// ARGV[1] prefix, ARGV[2] now in ms ('' for Redis's clock), ARGV[3] idle TTL in ms; the operation's own from ARGV[4].
const PRELUDE = CLOCK_PRELUDE + `
local TTL = tonumber(ARGV[3])
local X, M, B, N = P .. 'x', P .. 'm', P .. 'b', P .. 'n'
local function ik(n) return P .. 'i:' .. n end
local function qk(n) return P .. 'q:' .. n end
local function emit(n, ev) redis.call('PUBLISH', P .. 'ev:' .. n, ev) end

-- An inbox's fields: [1] secret, [2] idle expiry, [3] lease end, [4] claim epoch, [5] queued bytes.
local function fields(n) return redis.call('HMGET', ik(n), 's', 'e', 'l', 'c', 'b') end
local function lease(f) return tonumber(f[3]) or 0 end

local function drop(n, f, reason)
  local len = redis.call('LLEN', qk(n))
  if len > 0 then
    redis.call('DECRBY', M, len)
    redis.call('DECRBY', B, tonumber(f[5]) or 0)
  end
  redis.call('DEL', ik(n), qk(n))
  redis.call('ZREM', X, n)
  emit(n, reason)
end

local function expired(f) return tonumber(f[2]) <= NOW and lease(f) <= NOW end

-- The inbox's fields if it lives; an expired one is dropped here (read-time expiry).
local function live(n)
  local f = fields(n)
  if not f[1] then return nil end
  if expired(f) then
    drop(n, f, 'ge')
    return nil
  end
  return f
end

-- Restarts the idle TTL, from the end of a lease when given.
local function touch(n, f, leaseMs)
  local e = NOW + leaseMs + TTL
  f[2] = tostring(e)
  redis.call('HSET', ik(n), 'e', e)
  redis.call('ZADD', X, math.max(e, lease(f)), n)
end

-- Drops up to 'limit' inboxes due by now; answers {dropped, looked at}.
local function sweep(limit)
  local due = redis.call('ZRANGEBYSCORE', X, '-inf', NOW, 'LIMIT', 0, limit)
  local dropped = 0
  for _, n in ipairs(due) do
    local f = fields(n)
    if not f[1] then
      redis.call('ZREM', X, n)
    elseif expired(f) then
      drop(n, f, 'ge')
      dropped = dropped + 1
    else
      redis.call('ZADD', X, math.max(tonumber(f[2]), lease(f)), n)
    end
  end
  return {dropped, #due}
end

-- Opens inbox n with secret s: 'created', 'wrong-password', 'full', or its fields.
local function open(n, s, doTouch, takeOver, maxInboxes)
  local f = live(n)
  if not f then
    if redis.call('ZCARD', X) >= maxInboxes then
      sweep(100)
      if redis.call('ZCARD', X) >= maxInboxes then return 'full' end
    end
    redis.call('HSET', ik(n), 's', s, 'e', NOW + TTL)
    redis.call('ZADD', X, NOW + TTL, n)
    return 'created'
  end
  if f[1] ~= s then return 'wrong-password' end
  if doTouch then touch(n, f, 0) end
  if takeOver and f[4] then
    redis.call('HDEL', ik(n), 'c', 'l')
    f[3], f[4] = false, false
    redis.call('ZADD', X, tonumber(f[2]), n)
    emit(n, 'r' .. redis.call('INCR', N))
  end
  return f
end

-- Each message starts with its body's size in decimal and a space.
local function take(n)
  local m = redis.call('LPOP', qk(n))
  if not m then return nil end
  local size = tonumber(string.match(m, '^(%d+) '))
  redis.call('DECR', M)
  redis.call('DECRBY', B, size)
  redis.call('HINCRBY', ik(n), 'b', -size)
  return m
end

local function sendTo(n, m, size, capacity, budget)
  if redis.call('LLEN', qk(n)) >= capacity then return 'queue-full' end
  if (tonumber(redis.call('GET', B)) or 0) + size > budget then return 'over-budget' end
  redis.call('RPUSH', qk(n), m)
  redis.call('INCR', M)
  redis.call('INCRBY', B, size)
  redis.call('HINCRBY', ik(n), 'b', size)
  emit(n, 'm')
  return 'ok'
end
`;

const script = (name: string, body: string) => new Script(`inbox.${name}`, PRELUDE + body);

/** ARGV[4] name, [5] secret, [6] touch (1/0), [7] takeOver (1/0), [8] maxInboxes: the outcome. */
export const OPEN = script('open', `
local f = open(ARGV[4], ARGV[5], ARGV[6] == '1', ARGV[7] == '1', tonumber(ARGV[8]))
if type(f) == 'string' then return f end
return 'ok'
`);

/** ARGV[4] name, [5] secret, [6] maxInboxes: the outcome, or the oldest message (it starts with a digit). */
export const READ_ONCE = script('readOnce', `
local f = open(ARGV[4], ARGV[5], true, true, tonumber(ARGV[6]))
if type(f) == 'string' then return f end
return take(ARGV[4]) or 'empty'
`);

/** ARGV[4] name: 1 when it lives. */
export const EXISTS = script('exists', `
if live(ARGV[4]) then return 1 end
return 0
`);

/** ARGV[4] to, [5] message, [6] its body size, [7] capacity, [8] byte budget. */
export const SEND = script('send', `
if not live(ARGV[4]) then return 'no-inbox' end
return sendTo(ARGV[4], ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]))
`);

/** ARGV[4] to, [5] message, [6] its body size, [7] capacity, [8] byte budget, [9] sender, [10] sender's secret. */
export const SEND_FROM = script('sendFrom', `
local from, to = ARGV[9], ARGV[4]
local f = live(from)
if not f then return 'no-sender' end
if f[1] ~= ARGV[10] then return 'wrong-password' end
if to ~= from and not live(to) then return 'no-inbox' end
return sendTo(to, ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]))
`);

/** ARGV[4] name, [5] the taker's claim epoch ('' for none): the oldest message, or nil (also when that claim is not the current one). */
export const TAKE = script('take', `
local f = live(ARGV[4])
if not f then return nil end
if ARGV[5] ~= '' and f[4] ~= ARGV[5] then return nil end
return take(ARGV[4])
`);

/** ARGV[4] name, [5] message, [6] its body size: back at the head, whatever the budget. */
export const GIVE_BACK = script('giveBack', `
local n, size = ARGV[4], tonumber(ARGV[6])
if not live(n) then return 0 end
redis.call('LPUSH', qk(n), ARGV[5])
redis.call('INCR', M)
redis.call('INCRBY', B, size)
redis.call('HINCRBY', ik(n), 'b', size)
emit(n, 'm')
return 1
`);

/** ARGV[4] name, [5] secret. */
export const REMOVE = script('remove', `
local f = live(ARGV[4])
if not f then return 'no-inbox' end
if f[1] ~= ARGV[5] then return 'wrong-password' end
drop(ARGV[4], f, 'gd')
return 'ok'
`);

/** ARGV[4] name, [5] lease in ms: the new epoch, or nil when there is no such inbox. */
export const CLAIM = script('claim', `
local n, leaseMs = ARGV[4], tonumber(ARGV[5])
local f = live(n)
if not f then return nil end
local epoch = redis.call('INCR', N)
f[3] = tostring(NOW + leaseMs)
redis.call('HSET', ik(n), 'c', epoch, 'l', f[3])
touch(n, f, leaseMs)
emit(n, 'r' .. epoch)
return epoch
`);

/** ARGV[4] name, [5] epoch, [6] lease in ms: 1 when the claim was still the current one. */
export const RENEW = script('renew', `
local n, leaseMs = ARGV[4], tonumber(ARGV[6])
local f = live(n)
if not f or f[4] ~= ARGV[5] then return 0 end
f[3] = tostring(NOW + leaseMs)
redis.call('HSET', ik(n), 'l', f[3])
touch(n, f, leaseMs)
return 1
`);

/** ARGV[4] name, [5] epoch: the idle TTL starts now when that claim was the current one. */
export const UNCLAIM = script('unclaim', `
local n = ARGV[4]
local f = fields(n)
if not f[1] or f[4] ~= ARGV[5] then return 0 end
redis.call('HDEL', ik(n), 'c', 'l')
f[3], f[4] = false, false
touch(n, f, 0)
return 1
`);

/** ARGV[4] how many due inboxes to look at, at most: {dropped, looked at}. */
export const SWEEP = script('sweep', `
return sweep(tonumber(ARGV[4]))
`);

/** {inboxes, messages, bytes}. */
export const STATS = script('stats', `
return {redis.call('ZCARD', X), tonumber(redis.call('GET', M)) or 0, tonumber(redis.call('GET', B)) or 0}
`);

/** ARGV[4..] names: each one's current claim epoch, or false. */
export const EPOCHS = script('epochs', `
local out = {}
for i = 4, #ARGV do out[#out + 1] = redis.call('HGET', ik(ARGV[i]), 'c') end
return out
`);
