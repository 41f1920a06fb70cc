-- delete: removes a session (live or expired) and its bucket index entries; on single-node
-- deployments also its user index entry. On Cluster the user index lives in another slot: the
-- caller removes that entry afterwards, so a failure in between leaves only a dangling index
-- entry, which readers prune.
-- KEYS[1] session hash         {P:b}:s:<id>
-- KEYS[2] bucket expiry index  {P:b}:x
-- ARGV[1] id   ARGV[2] key prefix, or '' to leave the user index to the caller (Cluster)
-- Reply: nil when nothing was there, else {id} or {id, userId}
local base = string.sub(KEYS[2], 1, -2)
local existed, user = remove_session(base, ARGV[1])
-- A record Redis already expired still leaves its user index entry: the owner map names it.
if user and ARGV[2] ~= '' then
  redis.call('ZREM', user_key(ARGV[2], user), ARGV[1])
end
if not existed then return false end
return ref(ARGV[1], user)
