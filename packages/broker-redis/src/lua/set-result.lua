--[[
  Replace task result records and wake their watchers. Each record is stored and published in the
  same atomic step, so a watcher that subscribed before reading either reads the new record or
  receives it. Several records per call: the backend coalesces the writes of one event-loop turn.

  Input:
    KEYS[i]  result record key of record i; also the pub/sub channel of that task's watchers

    ARGV[2i-1]  record i as JSON
    ARGV[2i]    its time to live, ms (0: no expiry)

  Output:
    nothing
]]
for i = 1, #KEYS do
  local key, record, ttl = KEYS[i], ARGV[2 * i - 1], tonumber(ARGV[2 * i])
  if ttl > 0 then
    redis.call('SET', key, record, 'PX', ttl)
  else
    redis.call('SET', key, record)
  end
  redis.call('PUBLISH', key, record)
end
