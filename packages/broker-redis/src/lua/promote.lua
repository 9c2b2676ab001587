--[[
  Move the delayed messages of one queue whose eta has come to their ready streams, earliest eta
  first. Run by consumers of the queue at the earliest eta (and on every recovery sweep).

  Input:
    KEYS[1..16]  the queue's key block (includes/queue-keys.lua)

    ARGV[1]  now, epoch ms
    ARGV[2]  most messages to move in one call
    ARGV[3]  queue name
    ARGV[4]  dead letters kept per queue

  Output:
    { number moved, eta of the earliest message still delayed ('' when none) }
]]
-- @include "queue-keys"
-- @include "ready"
-- @include "dead-letter"

local now = tonumber(ARGV[1])
local due = redis.call('ZRANGEBYSCORE', KEYS[DELAYED], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local moved = 0
for _, member in ipairs(due) do
  -- member: <seq>:<priority>:<id length>:<id><body>
  local level, length, start = string.match(member, '^%d+:(%d):(%d+):()')
  if level ~= nil then
    local stop = start + tonumber(length)
    addReady(0, tonumber(level), string.sub(member, start, stop - 1), string.sub(member, stop), 0)
    moved = moved + 1
  else
    deadLetter(0, 'delayed-' .. redis.sha1hex(member), ARGV[3], member,
      'malformed delayed entry: expected <seq>:<priority>:<id length>:<id><body>', now, 0, tonumber(ARGV[4]))
  end
end
if #due > 0 then redis.call('ZREM', KEYS[DELAYED], unpack(due)) end
if moved > 0 then wake(0, moved) end
local first = redis.call('ZRANGE', KEYS[DELAYED], 0, 0, 'WITHSCORES')
return { moved, first[2] or '' }
