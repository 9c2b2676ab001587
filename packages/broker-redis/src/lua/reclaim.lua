--[[
  Recovery sweep of one queue, run by every consumer of it every leaseRenewMs:
  - deliveries whose lease ran out (idle in the group for ARGV[3] ms: the worker died or stopped
    renewing) go back to their ready stream as redeliveries;
  - consumers that hold nothing and have been idle for ARGV[8] ms are removed from the group
    (XREADGROUP recreates a consumer on its next read, so this is always safe);
  - a ready stream with undelivered entries gets its level mark back (entries written by hand).

  Input:
    KEYS[1..16]  the queue's key block (includes/queue-keys.lua)

    ARGV[1]  consumer group
    ARGV[2]  name of the consumer that claims expired deliveries (removed again at the end)
    ARGV[3]  lease length (visibility timeout), ms
    ARGV[4]  most deliveries to reclaim in one call
    ARGV[5]  now, epoch ms
    ARGV[6]  queue name
    ARGV[7]  dead letters kept per queue
    ARGV[8]  idle time after which an empty consumer is removed, ms

  Output:
    number of deliveries given back to the queue
]]
-- @include "queue-keys"
-- @include "ready"
-- @include "dead-letter"

local group, reclaimer, minIdle, limit = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local now, queue, maxDead, consumerIdle = tonumber(ARGV[5]), ARGV[6], tonumber(ARGV[7]), tonumber(ARGV[8])
local moved, marked = 0, 0
local levels = redis.call('GET', KEYS[LEVELS]) or ''

for level = 0, 9 do
  local stream = KEYS[READY0 + level]
  local summary = redis.pcall('XPENDING', stream, group)
  -- NOGROUP: nothing was ever read from this stream.
  if not summary.err then
    local cursor = '0-0'
    if summary[1] > 0 then
      repeat
        local reply = redis.call('XAUTOCLAIM', stream, group, reclaimer, minIdle, cursor, 'COUNT', 100)
        cursor = reply[1]
        for _, entry in ipairs(reply[2]) do
          redis.call('XACK', stream, group, entry[1])
          redis.call('XDEL', stream, entry[1])
          -- On a malformed entry, parseEntry returns nil and the reason in place of the body.
          local id, body, redeliveries = parseEntry(entry[2])
          if id ~= nil then
            addReady(0, level, id, body, redeliveries + 1)
            moved = moved + 1
          else
            deadLetter(0, entry[1], queue, rawBody(entry[2]), body, now, level, maxDead)
          end
        end
      until cursor == '0-0' or moved >= limit
      summary = redis.call('XPENDING', stream, group)
    end
    for _, info in ipairs(redis.call('XINFO', 'CONSUMERS', stream, group)) do
      local name, pending, idle
      for i = 1, #info, 2 do
        if info[i] == 'name' then name = info[i + 1]
        elseif info[i] == 'pending' then pending = info[i + 1]
        elseif info[i] == 'idle' then idle = info[i + 1] end
      end
      if pending == 0 and (name == reclaimer or idle >= consumerIdle) then
        redis.call('XGROUP', 'DELCONSUMER', stream, group, name)
      end
    end
    if redis.call('XLEN', stream) > summary[1] and string.byte(levels, level + 1) ~= 49 then
      redis.call('SETRANGE', KEYS[LEVELS], level, '1')
      marked = marked + 1
    end
  elseif redis.call('EXISTS', stream) == 1 and redis.call('XLEN', stream) > 0 then
    redis.call('SETRANGE', KEYS[LEVELS], level, '1')
    marked = marked + 1
  end
end
if moved + marked > 0 then wake(0, moved + marked) end
return moved
