-- replace: compare-and-set on version. Never recreates a deleted or expired session, because
-- the existence check and the write are one atomic step on the same key.
-- KEYS[1] session hash         {P:b}:s:<id>
-- KEYS[2] bucket expiry index  {P:b}:x
-- ARGV[1] id   ARGV[2] expectedVersion   ARGV[3] now
-- ARGV[4] payload   ARGV[5] lastAccessedAt   ARGV[6] expiresAt   ARGV[7] absoluteExpiresAt ('' = none)
-- ARGV[8] new version
-- Reply: {'ok'} | {'missing'} | {'conflict', field, value, ...} (the live hash as stored)
local h = redis.call('HGETALL', KEYS[1])
if #h == 0 then return { 'missing' } end
if expiry(field(h, 'e')) <= tonumber(ARGV[3]) or not readable(field(h, 'a'), field(h, 'c'), field(h, 'v')) then
  return { 'missing' }
end
if tonumber(field(h, 'v')) ~= tonumber(ARGV[2]) then
  local reply = { 'conflict' }
  for i = 1, #h do reply[i + 1] = h[i] end
  return reply
end

-- One HSET for every field; HDEL only when a deadline that was there is gone (Upstash bills each call).
if ARGV[7] == '' then
  redis.call('HSET', KEYS[1], 'p', ARGV[4], 'a', ARGV[5], 'e', ARGV[6], 'v', ARGV[8])
  if field(h, 'x') then redis.call('HDEL', KEYS[1], 'x') end
else
  redis.call('HSET', KEYS[1], 'p', ARGV[4], 'a', ARGV[5], 'e', ARGV[6], 'v', ARGV[8], 'x', ARGV[7])
end
redis.call('PEXPIREAT', KEYS[1], ARGV[6])
-- The index may lag behind a later expiry (purge re-indexes it), never run ahead of an earlier one.
if tonumber(ARGV[6]) < expiry(field(h, 'e')) then
  redis.call('ZADD', KEYS[2], ARGV[6], ARGV[1])
end
return { 'ok' }
