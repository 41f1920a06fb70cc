-- replace: compare-and-set on version. Never recreates a deleted or expired session, because
-- the existence check and the write are one atomic step on the same key.
-- KEYS[1] session record       {P:b}:s:<id>
-- KEYS[2] bucket expiry index  {P:b}:x
-- ARGV[1] id   ARGV[2] expectedVersion   ARGV[3] now
-- ARGV[4] payload   ARGV[5] lastAccessedAt   ARGV[6] expiresAt   ARGV[7] absoluteExpiresAt ('' = none)
-- ARGV[8] new version
-- Reply: {'ok'} | {'missing'} | {'conflict', record} (the live record as stored)
local s = redis.call('GET', KEYS[1])
local r = decode(s)
if not r or r.e <= tonumber(ARGV[3]) then return { 'missing' } end
if tonumber(r.v) ~= tonumber(ARGV[2]) then return { 'conflict', s } end

-- The creation time, user and device never change: they are copied from the stored record.
s = '1|' .. ARGV[6] .. '|' .. ARGV[5] .. '|' .. ARGV[8] .. '|' .. ARGV[7] .. '|' .. string.sub(s, r.tail + #r.x + 1, r.body - 1) .. ARGV[4]
redis.call('SET', KEYS[1], s, 'PXAT', ARGV[6])
-- The index may lag behind a later expiry (purge re-indexes it), never run ahead of an earlier one.
if tonumber(ARGV[6]) < r.e then
  redis.call('ZADD', KEYS[2], ARGV[6], ARGV[1])
end
return { 'ok' }
