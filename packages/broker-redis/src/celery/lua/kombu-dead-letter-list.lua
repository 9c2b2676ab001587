--[[
  A page of a queue's dead letters, newest first.

  Input:
    KEYS[1]  dead-letter ids (zset)
    KEYS[2]  dead-letter records (hash)

    ARGV[1]  offset
    ARGV[2]  last index (-1: to the end)

  Output:
    the records (JSON), newest first
]]
local ids = redis.call('ZREVRANGE', KEYS[1], ARGV[1], ARGV[2])
if #ids == 0 then return {} end
return redis.call('HMGET', KEYS[2], unpack(ids))
