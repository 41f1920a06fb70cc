-- prelude: helpers shared by the scripts. @sessionkit/redis-scripts prepends to each script the
-- helpers it uses (Lua in Redis has no require), so its SHA1 covers them too. One definition per
-- blank-line separated block: that is how scripts.ts tells them apart.
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

-- A session record is one string (record-codec.ts describes the format):
--   1|<e>|<a>|<v>|<x>|<c>|<userLen>|<deviceLen>|<userId><deviceId><payload>
-- RECORD_HEAD captures e, a, v, the position of x, x, c, userLen, deviceLen, and where the ids start.
local RECORD_HEAD = '^1|(%d+)|(%d+)|(%d+)|()(%d*)|(%d+)|(%d*)|(%d*)|()'

-- The fields the scripts need of a stored record: e (a number), a, v, x, c (strings, x may be
-- ''), u and d (nil when absent), tail (where x starts: a touch keeps everything from there) and
-- ids (where the user id starts) / body (where the payload starts). nil for nil or for a string
-- that is not a record in this format (written underneath the store): such a record is treated
-- as absent everywhere (the TypeScript codec agrees), never returned and never written, and purge
-- removes it, instead of every script failing on it.
local function decode(s)
  if not s then return nil end
  local e, a, v, tail, x, c, ul, dl, at = string.match(s, RECORD_HEAD)
  if not e then return nil end
  local r = { e = tonumber(e), a = a, v = v, x = x, c = c, tail = tail, ids = at }
  if ul ~= '' then
    r.u = string.sub(s, at, at + ul - 1)
    at = at + ul
  end
  if dl ~= '' then
    r.d = string.sub(s, at, at + dl - 1)
    at = at + dl
  end
  if at > #s + 1 then return nil end
  r.body = at
  return r
end

-- The stored record of a session key (GET), decoded; nil when absent or unreadable.
local function load(key)
  return decode(redis.call('GET', key))
end

-- Deletes a session record, its entries in its bucket's indexes and its bucket's owner entry
-- (same slot). Returns whether the record existed, and its user id: from the record, or from the
-- owner map when Redis' own expiry already dropped the record (nil for a guest, or when unknown).
local function remove_session(base, id)
  local skey, owners = base .. 's:' .. id, base .. 'o'
  local r = load(skey)
  local user
  if r then user = r.u else user = redis.call('HGET', owners, id) or nil end
  local existed = redis.call('DEL', skey)
  redis.call('ZREM', base .. 'x', id)
  redis.call('ZREM', base .. 'i', id)
  if user then redis.call('HDEL', owners, id) end
  return existed == 1, user
end

-- A removed session as the stores report it: {id} or {id, userId}.
local function ref(id, user)
  if user then return { id, user } end
  return { id }
end
