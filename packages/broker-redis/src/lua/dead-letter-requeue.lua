--[[
  Move one dead letter back to its queue, as a fresh message with its id, body and priority.

  Input:
    KEYS[1..16]  the queue's key block (includes/queue-keys.lua)

    ARGV[1]  dead-letter id

  Output:
    1 when moved, 0 when there is no such dead letter
]]
-- @include "queue-keys"
-- @include "ready"

local record = redis.call('HGET', KEYS[DEAD_DATA], ARGV[1])
if not record then return 0 end
local letter = cjson.decode(record)
if type(letter.body) ~= 'string' then
  return redis.error_reply('ERR dead letter ' .. ARGV[1] .. ' has no body to requeue')
end
local priority = tonumber(letter.priority) or 0
if priority < 0 or priority > 9 then priority = 0 end
addReady(0, math.floor(priority), ARGV[1], letter.body, 0)
wake(0, 1)
redis.call('ZREM', KEYS[DEAD], ARGV[1])
redis.call('HDEL', KEYS[DEAD_DATA], ARGV[1])
return 1
