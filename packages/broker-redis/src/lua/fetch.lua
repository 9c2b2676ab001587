--[[
  Hand up to ARGV[3] ready messages to one consumer: priority 9 first, down to 0, and within a
  priority the queues in the order given. Non-blocking (the caller blocks on the wake lists when
  nothing is ready). Each message read stays pending to the consumer (its lease) until settled.
  Malformed entries are dead-lettered with the reason instead of being returned.

  Input:
    KEYS[16*(q-1)+1 .. 16*q]  the key block of queue q (includes/queue-keys.lua), one per queue

    ARGV[1]  consumer group
    ARGV[2]  consumer name
    ARGV[3]  how many messages at most
    ARGV[4]  now, epoch ms (time of dead letters)
    ARGV[5]  dead letters kept per queue
    ARGV[6..] queue names, one per key block

  Output:
    flat array, five items per message: stream index (10 * (q - 1) + priority), stream entry id,
    message id, body, redelivery count
]]
-- @include "queue-keys"
-- @include "ready"
-- @include "dead-letter"

local group, consumer = ARGV[1], ARGV[2]
local wanted = tonumber(ARGV[3])
local now, maxDead = tonumber(ARGV[4]), tonumber(ARGV[5])
local queues = #KEYS / QUEUE_KEY_COUNT
local levels = {}
for q = 1, queues do
  levels[q] = redis.call('GET', KEYS[QUEUE_KEY_COUNT * (q - 1) + LEVELS]) or ''
end

local function read(stream, count)
  local reply = redis.pcall('XREADGROUP', 'GROUP', group, consumer, 'COUNT', count, 'STREAMS', stream, '>')
  if type(reply) == 'table' and reply.err then
    -- A key of another type where a stream belongs (written by something else): skip it, so the
    -- other priorities and queues are still served; publishing to it fails loudly instead.
    if string.sub(reply.err, 1, 9) == 'WRONGTYPE' then return {} end
    if string.sub(reply.err, 1, 7) ~= 'NOGROUP' then return redis.error_reply(reply.err) end
    -- First read of this stream: the group starts at 0, so entries added before it are delivered.
    redis.call('XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM')
    reply = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', count, 'STREAMS', stream, '>')
  end
  if not reply then return {} end
  return reply[1][2]
end

local out, got = {}, 0
for level = 9, 0, -1 do
  for q = 1, queues do
    if got < wanted and string.byte(levels[q], level + 1) == 49 then
      local base = QUEUE_KEY_COUNT * (q - 1)
      local stream = KEYS[base + READY0 + level]
      local drained = false
      while got < wanted and not drained do
        local count = wanted - got
        local entries = read(stream, count)
        if entries.err then return entries end
        for _, entry in ipairs(entries) do
          -- On a malformed entry, parseEntry returns nil and the reason in place of the body.
          local id, body, redeliveries = parseEntry(entry[2])
          if id ~= nil then
            local n = #out
            out[n + 1] = 10 * (q - 1) + level
            out[n + 2] = entry[1]
            out[n + 3] = id
            out[n + 4] = body
            out[n + 5] = redeliveries
            got = got + 1
          else
            redis.call('XACK', stream, group, entry[1])
            redis.call('XDEL', stream, entry[1])
            deadLetter(base, entry[1], ARGV[5 + q], rawBody(entry[2]), body, now, level, maxDead)
          end
        end
        drained = #entries < count
      end
      if drained then redis.call('SETRANGE', KEYS[base + LEVELS], level, '0') end
    end
  end
end

for q = 1, queues do
  local key = KEYS[QUEUE_KEY_COUNT * (q - 1) + WAKE]
  if got < wanted then
    -- Everything is drained: tokens left would only cause empty fetches.
    redis.call('DEL', key)
  elseif redis.call('LLEN', key) == 0 then
    -- Full budget taken and more may be ready: pass a token on to another idle consumer.
    redis.call('LPUSH', key, '1')
  end
end
return out
