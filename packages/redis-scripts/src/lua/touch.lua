-- touch: reads a live session and slides its expiry, in one step.
-- KEYS[1] session record       {P:b}:s:<id>
-- KEYS[2] bucket expiry index  {P:b}:x   (not written: see below; kept so the key layout of
--                                          every session operation stays the same)
-- ARGV[1] id   ARGV[2] now   ARGV[3] idleTtlMs ('' = the expiry does not move)   ARGV[4] touchAfterMs
-- Reply: the record as stored after the call (one string), or nil when absent or expired
local s = redis.call('GET', KEYS[1])
if not s then return false end
local e, a, v, tail, x = string.match(s, RECORD_HEAD)
local now = tonumber(ARGV[2])
if not e or tonumber(e) <= now then return false end

-- touchAfter throttles writes only: the reply is correct either way.
if now - tonumber(a) >= tonumber(ARGV[4]) then
  if ARGV[3] ~= '' then
    local next_e = now + tonumber(ARGV[3])
    if x ~= '' and tonumber(x) < next_e then next_e = tonumber(x) end
    e = num(next_e)
  end
  -- The header's first three fields change; everything from the absolute deadline on is copied.
  s = '1|' .. e .. '|' .. ARGV[2] .. '|' .. num(tonumber(v) + 1) .. '|' .. string.sub(s, tail)
  redis.call('SET', KEYS[1], s, 'PXAT', e)
  -- The expiry index is left behind on purpose: a touch only moves the expiry later, and purge
  -- re-indexes an entry it finds due but still live. That keeps the hottest path to one string
  -- write (no sorted-set update on every request); each live session is re-indexed at most
  -- about once per idle period.
end
return s
