--[[
  Replace task result records and wake their watchers. Each record is stored and published in the
  same atomic step, so a watcher that subscribed before reading either reads the new record or
  receives it. Several records per call: the backend coalesces the writes of one event-loop turn,
  and packs them into two arguments (ioredis spends more per argument than Lua spends splitting).

  Input:
    KEYS[i]  result record key of record i; also the pub/sub channel of that task's watchers

    ARGV[1]  the records as JSON, in KEYS order, joined by "\n" (JSON text never holds a raw newline)
    ARGV[2]  their times to live in ms (0: no expiry), joined by ","

  Output:
    nothing
]]
local records, ttls = ARGV[1], ARGV[2]
local start, i = 1, 0
for ttl in string.gmatch(ttls, '[^,]+') do
  i = i + 1
  local stop = string.find(records, '\n', start, true) or (#records + 1)
  local record = string.sub(records, start, stop - 1)
  start = stop + 1
  local ms = tonumber(ttl)
  if ms > 0 then
    redis.call('SET', KEYS[i], record, 'PX', ms)
  else
    redis.call('SET', KEYS[i], record)
  end
  redis.call('PUBLISH', KEYS[i], record)
end
