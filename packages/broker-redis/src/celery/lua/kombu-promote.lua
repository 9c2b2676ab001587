--[[
  Move a queue's due delayed messages back to its kombu lists, to the back (LPUSH: consumers pop
  from the right) in eta order, as if published at their eta (Celeriac's other brokers promote the
  same way); pushed to the front, a later promotion would overtake an earlier one still waiting. A
  Celery worker or a Celeriac consumer then takes them as ready messages (their eta has passed).

  Input:
    KEYS[1]  delayed (zset: delivery tag → eta, epoch ms)
    KEYS[2]  delayed messages (hash: delivery tag → message)
    KEYS[3..2+S]  the queue's priority lists, in step order

    ARGV[1]  now, epoch ms
    ARGV[2]  most messages to move
    ARGV[3..] the priority steps (ascending)

  Output:
    { how many moved, the earliest eta left ('' if none) }
]]
local BLOCK_HEAD = 2
-- @include "kombu-lists"

local steps = {}
for i = 3, #ARGV do steps[#steps + 1] = tonumber(ARGV[i]) end
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, tag in ipairs(due) do
  local item = redis.call('HGET', KEYS[2], tag)
  redis.call('HDEL', KEYS[2], tag)
  redis.call('ZREM', KEYS[1], tag)
  if item then redis.call('LPUSH', list_for(1, steps, item), item) end
end
local next = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return { #due, next[2] or '' }
