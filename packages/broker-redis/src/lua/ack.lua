--[[
  Acknowledge deliveries: remove them from the group's pending entries and delete them from their
  streams (a stream then holds only ready and pending messages). The acks of one event-loop turn
  come in one call, their entry ids packed into one argument per stream.

  Input:
    KEYS[i]  ready stream i

    ARGV[1]    consumer group
    ARGV[1+i]  entry ids of stream i, joined by " "

  Output:
    number of deliveries that were still pending (and so acknowledged now)
]]
local acked = 0
for i = 1, #KEYS do
  local ids = {}
  for id in string.gmatch(ARGV[1 + i], '%S+') do
    ids[#ids + 1] = id
    -- In chunks: unpack() has a limit on how many values it spreads.
    if #ids == 1000 then
      acked = acked + redis.call('XACK', KEYS[i], ARGV[1], unpack(ids))
      redis.call('XDEL', KEYS[i], unpack(ids))
      ids = {}
    end
  end
  if #ids > 0 then
    acked = acked + redis.call('XACK', KEYS[i], ARGV[1], unpack(ids))
    redis.call('XDEL', KEYS[i], unpack(ids))
  end
end
return acked
