-- prelude: helpers shared by every script. @sessionkit/redis-scripts prepends this file to each
-- script's source (Lua in Redis has no require), so a script's SHA1 covers its helpers too.
-- No KEYS, no ARGV of its own.

-- Epoch milliseconds as an integer string: tostring() would switch to exponent notation.
local function num(n)
  return string.format('%.0f', n)
end

-- The bucket of a session id: the same hash as bucketOf() in key-layout.ts. Must never change,
-- or existing sessions are looked up in the wrong bucket.
local function bucket_of(id, buckets)
  local h = 0
  for i = 1, #id do
    h = (h * 31 + string.byte(id, i)) % 2147483647
  end
  return h % buckets
end

-- '{<prefix>:<bucket>}:' : the hash-tagged base every key of a session bucket starts with.
local function bucket_base(prefix, id, buckets)
  return '{' .. prefix .. ':' .. bucket_of(id, buckets) .. '}:'
end

local function user_key(prefix, user_id)
  return '{' .. prefix .. ':u:' .. user_id .. '}'
end

-- A record's expiry as a number. One that cannot be read (the hash was damaged underneath the
-- store) counts as long expired: the record is then never returned, never written, and purge
-- removes it, instead of every script failing on it.
local function expiry(value)
  return tonumber(value) or -1
end

-- False when a time or version the scripts rely on cannot be read: such a record is treated as
-- absent everywhere (the TypeScript codec agrees), whatever its expiry says.
local function readable(a, c, v)
  return tonumber(a) ~= nil and tonumber(c) ~= nil and tonumber(v) ~= nil
end

-- A field of a flat HGETALL reply.
local function field(flat, name)
  for i = 1, #flat, 2 do
    if flat[i] == name then return flat[i + 1] end
  end
  return nil
end

-- Deletes a session hash and its entries in its bucket's indexes (same slot). Returns whether
-- it existed and its user id (false when anonymous or absent).
local function remove_session(base, id)
  local skey = base .. 's:' .. id
  local user = redis.call('HGET', skey, 'u')
  local existed = redis.call('DEL', skey)
  redis.call('ZREM', base .. 'x', id)
  redis.call('ZREM', base .. 'i', id)
  return existed == 1, user
end

-- A removed session as the stores report it: {id} or {id, userId}.
local function ref(id, user)
  if user then return { id, user } end
  return { id }
end
