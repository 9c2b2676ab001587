--[[
  Dead letters of one queue, newest first.

  Input:
    KEYS[1]  dead-letter ids (zset scored by sequence)
    KEYS[2]  dead-letter records (hash id → JSON)

    ARGV[1]  offset (rank from the newest)
    ARGV[2]  last rank to return (-1: all)

  Output:
    the JSON records, newest first
]]
local ids = redis.call('ZREVRANGE', KEYS[1], ARGV[1], ARGV[2])
if #ids == 0 then return {} end
local records, out = redis.call('HMGET', KEYS[2], unpack(ids)), {}
for i = 1, #ids do
  if records[i] then out[#out + 1] = records[i] end
end
return out
