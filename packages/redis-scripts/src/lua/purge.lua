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
    local s = redis.call('GET', base .. 's:' .. id)
    local r = decode(s)
    if r and r.e > now then
      -- The index was behind the record: put it right instead of deleting a live session.
      redis.call('ZADD', KEYS[k], num(r.e), id)
    else
      -- Expired, unreadable, or already dropped by Redis' own expiry (the usual case: a record's
      -- PXAT is its deadline). Remove what is left; the owner map names the user of a record
      -- Redis already dropped, so its user index entry goes too and the session is reported.
      local _, user = remove_session(base, id)
      if user and prefix ~= '' then redis.call('ZREM', user_key(prefix, user), id) end
      out[#out + 1] = ref(id, user)
    end
  end
  budget = budget - #ids
end
return out
