-- touch: reads a live session and slides its expiry, in one step.
-- KEYS[1] session hash         {P:b}:s:<id>
-- KEYS[2] bucket expiry index  {P:b}:x   (not written: see below; kept so the key layout of
--                                          every session operation stays the same)
-- ARGV[1] id   ARGV[2] now   ARGV[3] idleTtlMs ('' = the expiry does not move)   ARGV[4] touchAfterMs
-- Reply: the hash as stored after the call (flat field, value list), or nil when absent or expired
local h = redis.call('HGETALL', KEYS[1])
if #h == 0 then return false end
local rec = {}
for i = 1, #h, 2 do rec[h[i]] = h[i + 1] end
local now = tonumber(ARGV[2])
if expiry(rec.e) <= now or not readable(rec.a, rec.c, rec.v) then return false end

-- touchAfter throttles writes only: the reply is correct either way.
if now - tonumber(rec.a) >= tonumber(ARGV[4]) then
  if ARGV[3] ~= '' then
    local e = now + tonumber(ARGV[3])
    if rec.x and tonumber(rec.x) < e then e = tonumber(rec.x) end
    rec.e = num(e)
  end
  rec.a = ARGV[2]
  rec.v = num(tonumber(rec.v) + 1)
  redis.call('HSET', KEYS[1], 'a', rec.a, 'e', rec.e, 'v', rec.v)
  redis.call('PEXPIREAT', KEYS[1], rec.e)
  -- The expiry index is left behind on purpose: a touch only moves the expiry later, and purge
  -- re-indexes an entry it finds due but still live. That keeps the hottest path to one hash
  -- write (no sorted-set update on every request); each live session is re-indexed at most
  -- about once per idle period.
end

local out = {}
for k, v in pairs(rec) do
  out[#out + 1] = k
  out[#out + 1] = v
end
return out
