--[[
  Extend a lease held by the owner.

  Input:
    KEYS[1]  lease key

    ARGV[1]  owner
    ARGV[2]  new time to live, ms (0: no expiry)

  Output:
    1 when renewed, 0 when the owner does not hold it (expired or taken)
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local ttl = tonumber(ARGV[2])
if ttl > 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
else
  redis.call('PERSIST', KEYS[1])
end
return 1
