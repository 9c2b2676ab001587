--[[
  Append lines to a task's log, keep only the newest ARGV[1], and reset its time to live.

  Input:
    KEYS[1]  log list

    ARGV[1]  lines kept
    ARGV[2]  time to live, ms (0: no expiry)
    ARGV[3..] lines, oldest first

  Output:
    nothing
]]
local key, keep, ttl = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2])
-- In chunks: unpack() has a limit on how many values it spreads.
for first = 3, #ARGV, 1000 do
  redis.call('RPUSH', key, unpack(ARGV, first, math.min(first + 999, #ARGV)))
end
if keep <= 0 then
  redis.call('DEL', key)
  return
end
redis.call('LTRIM', key, -keep, -1)
if ttl > 0 then
  redis.call('PEXPIRE', key, ttl)
else
  redis.call('PERSIST', key)
end
