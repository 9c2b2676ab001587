--[[
  Recovery sweep of one queue, run by every consumer of it every leaseRenewMs:
  - deliveries whose lease ran out (idle in the group for longer than their holder's lease: the
    worker died or stopped renewing) go back to their ready stream as redeliveries. A consumer's
    name ends in ":L<lease ms>", so each holder's own lease is honoured, whatever the sweeper's
    (workers of one queue may be configured differently); a name without it gets ARGV[3];
  - consumers that hold nothing and have been idle for ARGV[8] ms are removed from the group
    (XREADGROUP recreates a consumer on its next read, so this is always safe);
  - a ready stream with undelivered entries gets its level mark back (entries written by hand).

  Input:
    KEYS[1..16]  the queue's key block (includes/queue-keys.lua)

    ARGV[1]  consumer group
    ARGV[2]  name of the consumer that claims expired deliveries (removed again at the end)
    ARGV[3]  lease length (visibility timeout) of holders whose name does not say theirs, ms
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

local group, reclaimer, defaultLease, limit = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local now, queue, maxDead, consumerIdle = tonumber(ARGV[5]), ARGV[6], tonumber(ARGV[7]), tonumber(ARGV[8])
local moved, marked = 0, 0
local levels = redis.call('GET', KEYS[LEVELS]) or ''

local function leaseOf(consumer)
  local ms = string.match(consumer, ':L(%d+)$')
  return ms and tonumber(ms) or defaultLease
end

-- One claimed entry back to its ready stream as a redelivery (or to the dead letters if malformed).
local function giveBack(stream, level, entry)
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

-- Give back the deliveries of `holder` idle past its lease (at most `limit - moved`).
local function reclaim(stream, level, holder)
  local lease = leaseOf(holder)
  local expired = redis.call('XPENDING', stream, group, 'IDLE', lease, '-', '+', limit - moved, holder)
  if #expired == 0 then return end
  local ids = {}
  for i, pending in ipairs(expired) do ids[i] = pending[1] end
  -- XCLAIM re-checks the idle time, so a lease renewed meanwhile is left alone. Entries deleted
  -- from the stream meanwhile are dropped from the pending list (Redis 7) or come back as nil (6.2).
  for _, entry in ipairs(redis.call('XCLAIM', stream, group, reclaimer, lease, unpack(ids))) do
    if type(entry) == 'table' and entry[2] then giveBack(stream, level, entry) end
  end
end

for level = 0, 9 do
  local stream = KEYS[READY0 + level]
  local summary = redis.pcall('XPENDING', stream, group)
  -- NOGROUP: nothing was ever read from this stream.
  if not summary.err then
    if summary[1] > 0 then
      for _, holder in ipairs(summary[4]) do
        if moved < limit then reclaim(stream, level, holder[1]) end
      end
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
