-- list-by-user: a user's live sessions, newest first, pruning index entries of sessions that are
-- gone or expired. Single-node deployments only (it reads sessions in other slots).
-- KEYS[1] user index   {P:u:<userId>}
-- ARGV[1] now   ARGV[2] key prefix   ARGV[3] bucket count
-- Reply: {id, record, id, record, ...} (each record as stored)
local now, prefix, buckets = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
local out = {}
for _, id in ipairs(redis.call('ZREVRANGE', KEYS[1], 0, -1)) do
  local s = redis.call('GET', bucket_base(prefix, id, buckets) .. 's:' .. id)
  local r = decode(s)
  if r and r.e > now then
    out[#out + 1] = id
    out[#out + 1] = s
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return out
