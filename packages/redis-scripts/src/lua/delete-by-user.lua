-- delete-by-user: deletes every session in a user's index except one, and their index entries.
-- Single-node deployments only (it deletes sessions in other slots).
-- KEYS[1] user index   {P:u:<userId>}
-- ARGV[1] id to keep ('' = none)   ARGV[2] key prefix   ARGV[3] bucket count
-- Reply: {id, ...} the sessions that existed and were deleted
local keep, prefix, buckets = ARGV[1], ARGV[2], tonumber(ARGV[3])
local out = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if id ~= keep then
    local existed = remove_session(bucket_base(prefix, id, buckets), id)
    redis.call('ZREM', KEYS[1], id)
    if existed then out[#out + 1] = id end
  end
end
return out
