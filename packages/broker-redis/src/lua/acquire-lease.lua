--[[
  Take a lease when it is free or already held by the same owner (then its time is reset).

  Input:
    KEYS[1]  lease key

    ARGV[1]  owner
    ARGV[2]  time to live, ms (0: no expiry)

  Output:
    1 when the owner holds the lease now, else 0
]]
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
local ttl = tonumber(ARGV[2])
if ttl > 0 then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
else
  redis.call('SET', KEYS[1], ARGV[1])
end
return 1
