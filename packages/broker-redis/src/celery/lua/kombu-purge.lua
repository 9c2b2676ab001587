--[[
  Remove every ready message of a queue (all its priority lists, as kombu's _purge) and every
  delayed one (parked by Celeriac); unacked deliveries and dead letters stay.

  Input:
    KEYS[1]  delayed (zset)
    KEYS[2]  delayed messages (hash)
    KEYS[3..] the queue's priority lists

  Output:
    how many messages were removed
]]
local removed = redis.call('ZCARD', KEYS[1])
for i = 3, #KEYS do removed = removed + redis.call('LLEN', KEYS[i]) end
redis.call('DEL', unpack(KEYS))
return removed
