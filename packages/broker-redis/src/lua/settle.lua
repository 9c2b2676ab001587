--[[
  Settle deliveries of one queue other than by ack: give them back to the queue or dead-letter them.
  Only a delivery still pending in the group is settled: one whose lease ran out and was reclaimed
  is left alone (its message is already back in the queue), so the first settlement wins.

  Input:
    KEYS[1..16]  the queue's key block (includes/queue-keys.lua)

    ARGV[1]  consumer group
    ARGV[2]  mode: 'requeue' (back to the queue as a redelivery), 'return' (back to the queue
             untouched: fetched but never handed out) or 'dead' (to the dead letters)
    ARGV[3]  now, epoch ms
    ARGV[4]  queue name
    ARGV[5]  dead letters kept per queue
    ARGV[6..] three per delivery: priority, stream entry id, reason (mode 'dead'; else ignored)

  Output:
    number of deliveries settled
]]
-- @include "queue-keys"
-- @include "ready"
-- @include "dead-letter"

local group, mode = ARGV[1], ARGV[2]
local now, queue, maxDead = tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5])
local settled, readied = 0, 0
for i = 6, #ARGV, 3 do
  local level, entryId = tonumber(ARGV[i]), ARGV[i + 1]
  local stream = KEYS[READY0 + level]
  if redis.call('XACK', stream, group, entryId) == 1 then
    settled = settled + 1
    local entry = redis.call('XRANGE', stream, entryId, entryId)[1]
    redis.call('XDEL', stream, entryId)
    if entry ~= nil then
      -- On a malformed entry, parseEntry returns nil and the reason in place of the body.
      local id, body, redeliveries = parseEntry(entry[2])
      if mode == 'dead' then
        deadLetter(0, id or entryId, queue, id and body or rawBody(entry[2]), ARGV[i + 2], now, level, maxDead)
      elseif id ~= nil then
        addReady(0, level, id, body, mode == 'requeue' and redeliveries + 1 or redeliveries)
        readied = readied + 1
      else
        deadLetter(0, entryId, queue, rawBody(entry[2]), body, now, level, maxDead)
      end
    end
  end
end
if readied > 0 then wake(0, readied) end
return settled
