--[[
  Remove every ready and delayed message of one queue. Deliveries held by consumers (pending in the
  group) and dead letters are left alone.

  Input:
    KEYS[1..16]  the queue's key block (includes/queue-keys.lua)

    ARGV[1]  consumer group
    ARGV[2]  name of the consumer that reads the ready messages away (removed again at the end)

  Output:
    number of messages removed
]]
-- @include "queue-keys"

local group, purger = ARGV[1], ARGV[2]
local removed = 0
for level = 0, 9 do
  local stream = KEYS[READY0 + level]
  if redis.call('EXISTS', stream) == 1 then
    if redis.pcall('XPENDING', stream, group).err then
      redis.call('XGROUP', 'CREATE', stream, group, '0')
    end
    repeat
      local reply = redis.call('XREADGROUP', 'GROUP', group, purger, 'COUNT', 1000, 'STREAMS', stream, '>')
      local ids = {}
      if reply then
        for i, entry in ipairs(reply[1][2]) do ids[i] = entry[1] end
      end
      if #ids > 0 then
        redis.call('XACK', stream, group, unpack(ids))
        redis.call('XDEL', stream, unpack(ids))
        removed = removed + #ids
      end
    until #ids < 1000
    redis.call('XGROUP', 'DELCONSUMER', stream, group, purger)
  end
end
removed = removed + redis.call('ZCARD', KEYS[DELAYED])
redis.call('DEL', KEYS[DELAYED], KEYS[LEVELS], KEYS[WAKE])
return removed
