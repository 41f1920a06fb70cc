-- touch: reads a live session and slides its expiry, in one step.
-- KEYS[1] session record       {P:b}:s:<id>   (the only key: the expiry index is not written, see below)
-- ARGV[1] now   ARGV[2] idleTtlMs ('' = the expiry does not move)   ARGV[3] touchAfterMs
-- (The hottest script: nothing it does not need, since Redis builds KEYS and ARGV on every call.)
-- Reply: the record as stored after the call (one string), or nil when absent or expired
local s = redis.call('GET', KEYS[1])
if not s then return false end
local e, a, v, tail, x = string.match(s, RECORD_HEAD)
local now = tonumber(ARGV[1])
if not e or tonumber(e) <= now then return false end

-- touchAfter throttles writes only: the reply is correct either way.
if now - tonumber(a) >= tonumber(ARGV[3]) then
  if ARGV[2] ~= '' then
    local next_e = now + tonumber(ARGV[2])
    if x ~= '' and tonumber(x) < next_e then next_e = tonumber(x) end
    e = num(next_e)
  end
  -- The header's first three fields change; everything from the absolute deadline on is copied.
  s = '1|' .. e .. '|' .. ARGV[1] .. '|' .. num(tonumber(v) + 1) .. '|' .. string.sub(s, tail)
  redis.call('SET', KEYS[1], s, 'PXAT', e)
  -- The expiry index is left behind on purpose: a touch only moves the expiry later, and purge
  -- re-indexes an entry it finds due but still live. That keeps the hottest path to one string
  -- write (no sorted-set update on every request); each live session is re-indexed at most
  -- about once per idle period.
end
return s
