--[[
  Counts of one queue.

  Input:
    KEYS[1..16]  the queue's key block (includes/queue-keys.lua)

    ARGV[1]  consumer group

  Output:
    { ready, delayed, unacked, dead }
]]
-- @include "queue-keys"

local ready, unacked = 0, 0
for level = 0, 9 do
  local stream = KEYS[READY0 + level]
  local length = redis.call('EXISTS', stream) == 1 and redis.call('XLEN', stream) or 0
  if length > 0 then
    -- Acked entries are deleted, so a stream holds exactly its ready and its pending entries.
    local summary = redis.pcall('XPENDING', stream, ARGV[1])
    local pending = summary.err and 0 or summary[1]
    ready = ready + length - pending
    unacked = unacked + pending
  end
end
return { ready, redis.call('ZCARD', KEYS[DELAYED]), unacked, redis.call('ZCARD', KEYS[DEAD]) }
