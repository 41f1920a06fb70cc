-- insert: creates a session unless its id exists, indexes it in its bucket and, when KEYS[3]
-- is given (single-node deployments), in its user's index, evicting the oldest live sessions
-- beyond maxPerUser in the same atomic step.
-- KEYS[1] session hash         {P:b}:s:<id>
-- KEYS[2] bucket expiry index  {P:b}:x    (the bucket id index {P:b}:i is derived from it)
-- KEYS[3] user index           {P:u:<userId>}   optional; omitted on Cluster and for guests
-- ARGV[1] id            ARGV[2] userId ('' for a guest)   ARGV[3] '1' when the session has a user
-- ARGV[4] payload       ARGV[5] createdAt   ARGV[6] lastAccessedAt   ARGV[7] expiresAt
-- ARGV[8] absoluteExpiresAt ('' = none)     ARGV[9] version
-- ARGV[10] now          ARGV[11] maxPerUser (0 = no limit)
-- ARGV[12] key prefix   ARGV[13] bucket count   (to find the user's other sessions)
-- ARGV[14] deviceId     (optional; absent = no device, and then ARGV[15] is absent too)
-- ARGV[15] '1' to replace the device: with KEYS[3], the user's other live sessions with the same
--          deviceId are removed in this step (walks the user index, so only when asked)
-- Reply: {'exists'} | {'ok', {evictedId, userId} | {replacedId, userId, 'd'}, ...}
local skey, xkey, ukey = KEYS[1], KEYS[2], KEYS[3]
local id = ARGV[1]
if redis.call('EXISTS', skey) == 1 then return { 'exists' } end

local base = string.sub(xkey, 1, -2)
local fields = { 'p', ARGV[4], 'c', ARGV[5], 'a', ARGV[6], 'e', ARGV[7], 'v', ARGV[9] }
if ARGV[3] == '1' then
  fields[#fields + 1] = 'u'
  fields[#fields + 1] = ARGV[2]
end
if ARGV[8] ~= '' then
  fields[#fields + 1] = 'x'
  fields[#fields + 1] = ARGV[8]
end
local device = ARGV[14]
if device then
  fields[#fields + 1] = 'd'
  fields[#fields + 1] = device
end
redis.call('HSET', skey, unpack(fields))
redis.call('PEXPIREAT', skey, ARGV[7])
redis.call('ZADD', xkey, ARGV[7], id)
redis.call('ZADD', base .. 'i', 0, id)

local reply = { 'ok' }
if not ukey then return reply end

local now, max = tonumber(ARGV[10]), tonumber(ARGV[11])
local prefix, buckets = ARGV[12], tonumber(ARGV[13])
redis.call('ZADD', ukey, ARGV[5], id)
-- One session per device: before the limit, so a replaced session never makes it evict another
-- device's. Dead entries met on the way are pruned, as below.
if device and ARGV[15] == '1' then
  for _, other in ipairs(redis.call('ZRANGE', ukey, 0, -1)) do
    if other ~= id then
      local other_base = bucket_base(prefix, other, buckets)
      local h = redis.call('HMGET', other_base .. 's:' .. other, 'e', 'd')
      if not h[1] or expiry(h[1]) <= now then
        redis.call('ZREM', ukey, other)
      elseif h[2] == device then
        remove_session(other_base, other)
        redis.call('ZREM', ukey, other)
        reply[#reply + 1] = { other, ARGV[2], 'd' }
      end
    end
  end
end
-- Only a user who may be over the limit is walked: with no limit, or fewer index entries than
-- the limit, an insert stays O(log n) however many sessions the user has. Dead entries are
-- pruned here when walked, by list-by-user, and by purge, which keeps the index bounded.
if max == 0 or redis.call('ZCARD', ukey) <= max then return reply end

-- Oldest first; dead entries (deleted or expired sessions) are pruned as they are met.
local live = {}
for _, other in ipairs(redis.call('ZRANGE', ukey, 0, -1)) do
  if other ~= id then
    local e = redis.call('HGET', bucket_base(prefix, other, buckets) .. 's:' .. other, 'e')
    if e and expiry(e) > now then
      live[#live + 1] = other
    else
      redis.call('ZREM', ukey, other)
    end
  end
end
for i = 1, #live + 1 - max do
  local victim = live[i]
  remove_session(bucket_base(prefix, victim, buckets), victim)
  redis.call('ZREM', ukey, victim)
  reply[#reply + 1] = { victim, ARGV[2] }
end
return reply
