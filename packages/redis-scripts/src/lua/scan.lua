-- scan: one page of sessions in a stable order (bucket, then id), walking the bucket id
-- indexes given as KEYS. Examines at most `limit` ids, so a page is bounded in work and size.
-- KEYS[1..n] bucket id indexes   {P:b}:i   (one on Cluster, every remaining bucket otherwise)
-- ARGV[1] resume after this id in KEYS[1] ('' = from its start)   ARGV[2] limit   ARGV[3] now
-- ARGV[4] '1' to include expired sessions still held
-- Reply: {position, lastId, id, record, ...}: position is the 1-based index of the
-- KEY where the page stopped after lastId, or 0 when every KEY was walked to its end
local budget, now, with_expired = tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4] == '1'
local out = { 0, '' }
for k = 1, #KEYS do
  local base = string.sub(KEYS[k], 1, -2)
  local from = '-'
  if k == 1 and ARGV[1] ~= '' then from = '(' .. ARGV[1] end
  local ids = redis.call('ZRANGEBYLEX', KEYS[k], from, '+', 'LIMIT', 0, budget)
  for _, id in ipairs(ids) do
    local s = redis.call('GET', base .. 's:' .. id)
    if not s then
      -- Dropped by Redis' own expiry (the PEXPIREAT backstop): prune its index entries.
      redis.call('ZREM', KEYS[k], id)
      redis.call('ZREM', base .. 'x', id)
    elseif with_expired or (decode(s) or { e = -1 }).e > now then
      out[#out + 1] = id
      out[#out + 1] = s
    end
  end
  budget = budget - #ids
  if budget <= 0 then
    out[1] = k
    out[2] = ids[#ids]
    return out
  end
end
return out
