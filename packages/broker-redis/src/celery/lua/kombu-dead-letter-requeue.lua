--[[
  Put a dead letter back on its queue: the kombu message it was (the `raw` field of its record)
  goes to the back of the list of its priority, as a fresh publish does (LPUSH).

  Input:
    KEYS[1..5]  the queue's block head: delayed, delayed messages, dead-letter ids, dead-letter
                records, dead-letter sequence
    KEYS[6..]   the queue's priority lists, in step order

    ARGV[1]  the dead letter's id
    ARGV[2..] the priority steps (ascending)

  Output:
    1 when requeued, 0 when there was none with that id
]]
local BLOCK_HEAD = 5
-- @include "kombu-lists"

local text = redis.call('HGET', KEYS[4], ARGV[1])
if not text then return 0 end
redis.call('HDEL', KEYS[4], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
local ok, record = pcall(cjson.decode, text)
if not ok or type(record) ~= 'table' or type(record.raw) ~= 'string' then return 0 end
local steps = {}
for i = 2, #ARGV do steps[#steps + 1] = tonumber(ARGV[i]) end
redis.call('LPUSH', list_for(1, steps, record.raw), record.raw)
return 1
