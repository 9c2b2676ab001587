--[[
  Replace a task's result record and wake its watchers, atomically: a watcher that subscribed
  before reading either reads the new record or receives it.

  Input:
    KEYS[1]  result record key; also the pub/sub channel of the task's watchers

    ARGV[1]  record JSON
    ARGV[2]  time to live, ms (0: no expiry)

  Output:
    nothing
]]
local ttl = tonumber(ARGV[2])
if ttl > 0 then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
else
  redis.call('SET', KEYS[1], ARGV[1])
end
redis.call('PUBLISH', KEYS[1], ARGV[1])
