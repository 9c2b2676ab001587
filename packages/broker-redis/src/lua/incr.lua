--[[
  Add to an integer key; the time to live applies when this call creates the key.

  Input:
    KEYS[1]  counter key

    ARGV[1]  amount to add
    ARGV[2]  time to live of a new key, ms (0: no expiry)

  Output:
    the new value
]]
local created = redis.call('EXISTS', KEYS[1]) == 0
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl = tonumber(ARGV[2])
if created and ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
return value
