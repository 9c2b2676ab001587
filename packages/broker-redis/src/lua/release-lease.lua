--[[
  Give a lease up if the owner holds it.

  Input:
    KEYS[1]  lease key

    ARGV[1]  owner

  Output:
    1 when released, else 0
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
