-- purge: removes sessions whose expiresAt <= now, found through the bucket expiry indexes
-- (never by scanning live sessions). On single-node deployments it also removes their user
-- index entries; on Cluster the caller does that afterwards (a failure in between leaves only
-- dangling index entries, which readers prune).
-- KEYS[1..n] bucket expiry indexes   {P:b}:x
-- ARGV[1] now   ARGV[2] limit (ids examined at most)   ARGV[3] key prefix, or '' (Cluster)
-- Reply: {{id}, {id, userId}, ...} the sessions removed
local now, budget, prefix = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local out = {}
for k = 1, #KEYS do
  if budget <= 0 then break end
  local base = string.sub(KEYS[k], 1, -2)
  local ids = redis.call('ZRANGEBYSCORE', KEYS[k], '-inf', ARGV[1], 'LIMIT', 0, budget)
  for _, id in ipairs(ids) do
    local h = redis.call('HMGET', base .. 's:' .. id, 'e', 'u')
    if h[1] and expiry(h[1]) > now then
      -- The index was behind the record: put it right instead of deleting a live session.
      redis.call('ZADD', KEYS[k], h[1], id)
    else
      remove_session(base, id)
      if h[1] then
        if h[2] and prefix ~= '' then redis.call('ZREM', user_key(prefix, h[2]), id) end
        out[#out + 1] = ref(id, h[2])
      end
    end
  end
  budget = budget - #ids
end
return out
