-- release-lock: compare-and-delete, so only the owner of a lock can release it.
-- KEYS[1] lock key   {P:b}:l:<id>
-- ARGV[1] the owner token acquireLock returned
-- Reply: 1 released, 0 not held by this token (expired, or someone else's)
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
