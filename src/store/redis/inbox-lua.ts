import { COMMAND_TIMEOUT_MS } from './connection.ts';
import { LuaLibrary } from './script.ts';

/**
 * How long a taken message is held for its taker at most: its answer and a
 * give-back take a command each, and a command gives up after
 * COMMAND_TIMEOUT_MS; a taker that died holds its inbox up no longer.
 */
export const HOLD_MS = 2 * COMMAND_TIMEOUT_MS;

/**
 * The inbox store's Redis scripts: each operation checks and writes in one
 * atomic step, one round trip. Layout, under the deployment's prefix P:
 *
 *   P i:NAME  hash: s secret digest, e idle expiry (ms), b queued body bytes,
 *             c reader claim epoch and l its lease end (only while claimed),
 *             h the hold on the message in flight to a reader and hu its
 *             end, w set when another taker found it (only while held)
 *   P q:NAME  list of encoded messages, oldest first (message-codec.ts)
 *   P x       sorted set: every inbox by the time it expires, max(e, l)
 *   P n       the last claim epoch or hold (one counter for the deployment)
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
const HELPERS = `
local HOLD_MS = ${HOLD_MS}
local function ik(n) return P .. 'i:' .. n end
local function qk(n) return P .. 'q:' .. n end
local function emit(n, ev) redis.call('PUBLISH', P .. 'ev:' .. n, ev) end

-- An inbox's fields: [1] secret, [2] idle expiry, [3] lease end, [4] claim epoch, [5] queued bytes,
-- [6] hold, [7] its end, [8] whether another taker waits for it.
local function fields(n) return redis.call('HMGET', ik(n), 's', 'e', 'l', 'c', 'b', 'h', 'hu', 'w') end
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

-- Ends the hold 'held' ('' for none) if it is still the inbox's; whoever found it hears a 'message'.
local function release(n, f, held)
  if held == '' or f[6] ~= held then return end
  redis.call('HDEL', ik(n), 'h', 'hu', 'w')
  if f[8] then emit(n, 'm') end
  f[6], f[7], f[8] = false, false, false
end

-- The oldest message as {hold, message}, its hold '' when 'hold' is false; nil when there is none;
-- while another taker's message is in flight, the ms its hold has left (and that taker's release wakes us).
-- Each message starts with its body's size in decimal and a space.
local function take(n, f, hold)
  local ends = tonumber(f[7])
  if ends and ends > NOW then
    if not f[8] then
      redis.call('HSET', ik(n), 'w', 1)
      f[8] = '1'
    end
    return ends - NOW
  end
  local m = redis.call('LPOP', qk(n))
  if not m then
    if f[6] then redis.call('HDEL', ik(n), 'h', 'hu', 'w') end -- a hold whose taker never came back
    return nil
  end
  local size = tonumber(string.match(m, '^(%d+) '))
  redis.call('DECR', M)
  redis.call('DECRBY', B, size)
  redis.call('HINCRBY', ik(n), 'b', -size)
  if not hold then return {'', m} end
  local held = tostring(redis.call('INCR', N))
  redis.call('HSET', ik(n), 'h', held, 'hu', NOW + HOLD_MS)
  return {held, m}
end

local function sendTo(n, m, size, capacity, budget)
  if redis.call('LLEN', qk(n)) >= capacity then return 'queue-full' end
  -- Expired inboxes' bytes count until a sweep drops them: sweep some before refusing.
  if (tonumber(redis.call('GET', B)) or 0) + size > budget then
    sweep(100)
    if (tonumber(redis.call('GET', B)) or 0) + size > budget then return 'over-budget' end
  end
  redis.call('RPUSH', qk(n), m)
  redis.call('INCR', M)
  redis.call('INCRBY', B, size)
  redis.call('HINCRBY', ik(n), 'b', size)
  emit(n, 'm')
  return 'ok'
end
`;

const library = new LuaLibrary('inbox', {
  perPrefix: { names: ['X', 'M', 'B', 'N'], setup: `X, M, B, N = P .. 'x', P .. 'm', P .. 'b', P .. 'n'` },
  perCall: { names: ['TTL'], setup: 'TTL = tonumber(ARGV[3])' },
  helpers: HELPERS,
});
const script = (name: string, body: string) => library.script(name, body);

/** ARGV[4] name, [5] secret, [6] touch (1/0), [7] takeOver (1/0), [8] maxInboxes: the outcome. */
export const OPEN = script('open', `
local f = open(ARGV[4], ARGV[5], ARGV[6] == '1', ARGV[7] == '1', tonumber(ARGV[8]))
if type(f) == 'string' then return f end
return 'ok'
`);

/** ARGV[4] name, [5] secret, [6] maxInboxes: the outcome, or take's answer with a hold ('empty' for nil). */
export const READ_ONCE = script('readOnce', `
local f = open(ARGV[4], ARGV[5], true, true, tonumber(ARGV[6]))
if type(f) == 'string' then return f end
return take(ARGV[4], f, true) or 'empty'
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

/**
 * ARGV[4] name, [5] the taker's claim epoch ('' for none: nothing is held; '0' for a read without a claim),
 * [6] the hold to release first ('' for none): take's answer, or nil also when that claim is not the current one.
 */
export const TAKE = script('take', `
local n, epoch = ARGV[4], ARGV[5]
local f = live(n)
if not f then return nil end
release(n, f, ARGV[6])
if epoch ~= '' and epoch ~= '0' and f[4] ~= epoch then return nil end
return take(n, f, epoch ~= '')
`);

/** ARGV[4], [5]: a name and a hold, then more pairs: ends each hold that is still its inbox's. */
export const RELEASE = script('release', `
for i = 4, #ARGV - 1, 2 do
  local f = fields(ARGV[i])
  if f[1] then release(ARGV[i], f, ARGV[i + 1]) end
end
return 1
`);

/** ARGV[4] name, [5] message, [6] its body size, [7] its hold ('' for none, ended too): back at the head, whatever the budget. */
export const GIVE_BACK = script('giveBack', `
local n, size = ARGV[4], tonumber(ARGV[6])
local f = live(n)
if not f then return 0 end
if ARGV[7] ~= '' and f[6] == ARGV[7] then redis.call('HDEL', ik(n), 'h', 'hu', 'w') end
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

/** ARGV[4] name, [5] epoch, [6] the hold to release ('' for none): the idle TTL starts now when that claim was the current one. */
export const UNCLAIM = script('unclaim', `
local n = ARGV[4]
local f = fields(n)
if not f[1] then return 0 end
release(n, f, ARGV[6])
if f[4] ~= ARGV[5] then return 0 end
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
