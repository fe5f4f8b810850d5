import { loopScript as script } from './loop-lua.ts';

/**
 * The Loop store's call URL, nonce, sweep and stats scripts (layout in
 * loop-lua.ts). Past the deployment's call URL cap the URL with the least
 * time left goes first (an expired one before any live one); a user's cap is
 * checked against the live URLs of its index (ZCOUNT above NOW), in the same
 * step that writes. Nonces are never forgotten while live: past their cap a
 * claim is refused.
 */

/**
 * ARGV[3] token, [4] user, [5] ttl ms, [6] the user's cap ('' for none),
 * [7] the deployment's cap, [8] the record as JSON: 1 when stored, 0 when
 * refused (the user has its cap of live URLs and the token is new to it).
 */
export const PUT_CALL_URL = script('putCallUrl', `
local token, user, ttl = ARGV[3], ARGV[4], tonumber(ARGV[5])
local perUser, cap = tonumber(ARGV[6]), tonumber(ARGV[7])
local cur = redis.call('HMGET', ck(token), 'u', 'e')
local curExpiry = tonumber(cur[2])
local replaces = cur[1] == user and curExpiry ~= nil and curExpiry > NOW
if not replaces and perUser and redis.call('ZCOUNT', cuk(user), LIVE, '+inf') >= perUser then return 0 end
if cur[1] and cur[1] ~= user then redis.call('ZREM', cuk(cur[1]), token) end
if not redis.call('ZSCORE', CX, token) then
  while redis.call('ZCARD', CX) >= cap do
    local soonest = redis.call('ZPOPMIN', CX)
    if not soonest[1] then break end
    dropCallUrl(soonest[1])
  end
end
local e, ms = expiry(ttl), backstopMs(ttl)
redis.call('HSET', ck(token), 'r', ARGV[8], 'u', user, 'e', e)
redis.call('PEXPIRE', ck(token), ms)
redis.call('ZADD', CX, e, token)
extend(CX, ms)
redis.call('ZREMRANGEBYSCORE', cuk(user), '-inf', NOW)
redis.call('ZADD', cuk(user), e, token)
extend(cuk(user), ms)
return 1
`);

/** ARGV[3] token: the live record's JSON, or nil. */
export const GET_CALL_URL = script('getCallUrl', `
local token = ARGV[3]
local f = redis.call('HMGET', ck(token), 'r', 'e')
local e = tonumber(f[2])
if not e then return nil end
if e <= NOW then
  dropCallUrl(token)
  return nil
end
return f[1]
`);

/** ARGV[3] user: how many live call URLs it has. */
export const COUNT_CALL_URLS = script('countCallUrls', `
return redis.call('ZCOUNT', cuk(ARGV[3]), LIVE, '+inf')
`);

/** ARGV[3] user: the JSON of its live call URLs. */
export const LIST_CALL_URLS = script('listCallUrls', `
local user = ARGV[3]
local out = {}
for _, token in ipairs(redis.call('ZRANGEBYSCORE', cuk(user), LIVE, '+inf')) do
  local f = redis.call('HMGET', ck(token), 'r', 'u')
  if f[1] and f[2] == user then out[#out + 1] = f[1] end
end
return out
`);

/** ARGV[3] token. */
export const DELETE_CALL_URL = script('deleteCallUrl', `
dropCallUrl(ARGV[3])
return 1
`);

/** ARGV[3] user: every call URL it owns. */
export const DELETE_USER_CALL_URLS = script('deleteUserCallUrls', `
local user = ARGV[3]
for _, token in ipairs(redis.call('ZRANGE', cuk(user), 0, -1)) do
  if redis.call('HGET', ck(token), 'u') == user then
    redis.call('DEL', ck(token))
    redis.call('ZREM', CX, token)
  end
end
redis.call('DEL', cuk(user))
return 1
`);

/** ARGV[3] nonce key, [4] ttl ms, [5] cap of live nonces: 'claimed', 'replay' or 'full'. */
export const CLAIM_NONCE = script('claimNonce', `
local key, ttl, cap = ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
sweepNonces(64)
local until_ = tonumber(redis.call('ZSCORE', NX, key))
if until_ and until_ > NOW then return 'replay' end
if redis.call('ZCOUNT', NX, LIVE, '+inf') >= cap then return 'full' end
redis.call('ZADD', NX, expiry(ttl), key)
extend(NX, backstopMs(ttl))
return 'claimed'
`);

/** ARGV[3] how many due entries of each kind to drop at most: the most that were due of one kind. */
export const SWEEP = script('sweep', `
local limit = tonumber(ARGV[3])
return math.max(sweepSessions(SU, limit), sweepSessions(SF, limit), sweepCallUrls(limit), sweepNonces(limit))
`);

/** {live sessions, of those never used, live call URLs}. */
export const STATS = script('stats', `
local used = redis.call('ZCOUNT', SU, LIVE, '+inf')
local fresh = redis.call('ZCOUNT', SF, LIVE, '+inf')
return {used + fresh, fresh, redis.call('ZCOUNT', CX, LIVE, '+inf')}
`);
