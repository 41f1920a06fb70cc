-- insert: creates a session unless its id exists, indexes it in its bucket and, when KEYS[3]
-- is given (single-node deployments), in its user's index, evicting the oldest live sessions
-- beyond maxPerUser in the same atomic step.
-- KEYS[1] session record       {P:b}:s:<id>
-- KEYS[2] bucket expiry index  {P:b}:x    (the bucket id index {P:b}:i and owner map {P:b}:o
--                                         are derived from it)
-- KEYS[3] user index           {P:u:<userId>}   optional; omitted on Cluster and for guests
-- ARGV[1] id            ARGV[2] userId ('' for a guest)   ARGV[3] '1' when the session has a user
-- ARGV[4] the record, encoded (record-codec.ts)   ARGV[5] createdAt   ARGV[6] expiresAt
-- ARGV[7] now           ARGV[8] maxPerUser (0 = no limit)
-- ARGV[9] key prefix    ARGV[10] bucket count   (to find the user's other sessions)
-- ARGV[11] deviceId     (optional; absent = no device, and then ARGV[12] is absent too)
-- ARGV[12] '1' to replace the device: with KEYS[3], the user's other live sessions with the same
--          deviceId are removed in this step (walks the user index, so only when asked)
-- Reply: {'exists'} | {'ok', {evictedId, userId} | {replacedId, userId, 'd'}, ...}
local skey, xkey, ukey = KEYS[1], KEYS[2], KEYS[3]
local id = ARGV[1]
-- One command checks and writes: NX leaves an existing session untouched.
if not redis.call('SET', skey, ARGV[4], 'NX', 'PXAT', ARGV[6]) then return { 'exists' } end

local base = string.sub(xkey, 1, -2)
redis.call('ZADD', xkey, ARGV[6], id)
redis.call('ZADD', base .. 'i', 0, id)
-- The owner map {P:b}:o (id -> userId): Redis' own expiry drops the record at its deadline, and
-- purge still has to know whose index entry to remove (and whose session expired).
if ARGV[3] == '1' then redis.call('HSET', base .. 'o', id, ARGV[2]) end

local reply = { 'ok' }
if not ukey then return reply end

local now, max = tonumber(ARGV[7]), tonumber(ARGV[8])
local prefix, buckets = ARGV[9], tonumber(ARGV[10])
local device = ARGV[11]
redis.call('ZADD', ukey, ARGV[5], id)
-- One session per device: before the limit, so a replaced session never makes it evict another
-- device's. Dead entries met on the way are pruned, as below.
if device and ARGV[12] == '1' then
  for _, other in ipairs(redis.call('ZRANGE', ukey, 0, -1)) do
    if other ~= id then
      local other_base = bucket_base(prefix, other, buckets)
      local r = load(other_base .. 's:' .. other)
      if not r or r.e <= now then
        redis.call('ZREM', ukey, other)
      elseif r.d == device then
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
    local r = load(bucket_base(prefix, other, buckets) .. 's:' .. other)
    if r and r.e > now then
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
