--[[
  Publish messages to one queue: ready ones are appended to the stream of their priority, delayed
  ones (eta after now) are kept in the delayed zset until promote moves them.

  Input:
    KEYS[1..16]  the queue's key block (includes/queue-keys.lua)

    ARGV[1]  now, epoch ms
    ARGV[2]  pub/sub channel announcing a new earliest eta of this queue
    ARGV[3..] four per message: id, priority (0–9), eta in epoch ms ('' for none), body

  Output:
    number of messages made ready now

  Events:
    wake tokens pushed for the ready ones; PUBLISH of the eta on ARGV[2] when a delayed message is
    the queue's new earliest
]]
-- @include "queue-keys"
-- @include "ready"

local now = tonumber(ARGV[1])
local ready = 0
local earliest, earliestText
for i = 3, #ARGV, 4 do
  local eta = ARGV[i + 2]
  local due = eta == '' and now or tonumber(eta)
  if due > now then
    local member = redis.call('INCR', KEYS[SEQ]) .. ':' .. ARGV[i + 1] .. ':' .. #ARGV[i] .. ':' .. ARGV[i] .. ARGV[i + 3]
    redis.call('ZADD', KEYS[DELAYED], eta, member)
    if earliest == nil or due < earliest then
      earliest, earliestText = due, eta
    end
  else
    addReady(0, tonumber(ARGV[i + 1]), ARGV[i], ARGV[i + 3], 0)
    ready = ready + 1
  end
end
if ready > 0 then wake(0, ready) end
if earliest ~= nil then
  local first = redis.call('ZRANGE', KEYS[DELAYED], 0, 0, 'WITHSCORES')
  if tonumber(first[2]) >= earliest then redis.call('PUBLISH', ARGV[2], earliestText) end
end
return ready
