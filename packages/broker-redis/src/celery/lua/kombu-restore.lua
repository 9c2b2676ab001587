--[[
  kombu's visibility-timeout restore (QoS.restore_visible / restore_by_tag), in two steps so the
  caller can mark each message redelivered as kombu does (headers.redelivered and
  properties.delivery_info.redelivered) without Lua re-encoding JSON (cjson turns [] into {}).
  Both run under kombu's `unacked_mutex`, which kombu's own restore also takes.

  scan:    take the mutex (SET NX PX) or return false when another process holds it; then return
           the delivery tags in `unacked_index` older than the visibility timeout (newest first,
           as kombu) with their `unacked` entries ([message, exchange, routing key], or false).
  restore: for each tag still expired (a renewed lease is left alone) and still in `unacked`:
           remove it from both, and RPUSH the re-marked message to every queue its exchange and
           routing key lead to, as kombu's _do_restore_message (`''` exchange: the routing key is
           the queue; else the direct bindings in `_kombu.binding.<exchange>`; a message no
           binding matches goes back to the queue named by its routing key, where kombu would
           drop it). A tag with no `unacked` entry only leaves the index, as in kombu. Then
           release the mutex if still ours.

  Input:
    KEYS[1]  unacked (hash)
    KEYS[2]  unacked_index (zset)
    KEYS[3]  unacked_mutex

    ARGV[1]  scan | restore
    ARGV[2]  ceiling: now minus the visibility timeout, epoch seconds
    ARGV[3]  mutex token
    scan:    ARGV[4] mutex expiry, ms; ARGV[5] most tags to return
    restore: ARGV[4] global key prefix; ARGV[5] kombu's separator (\x06\x16);
             ARGV[6..] four per message: tag, message to push, exchange, routing key

  Output:
    scan: false, or { tag, entry, tag, entry, … }; restore: how many messages were restored
]]
local mode, ceiling, token = ARGV[1], tonumber(ARGV[2]), ARGV[3]

if mode == 'scan' then
  if not redis.call('SET', KEYS[3], token, 'NX', 'PX', ARGV[4]) then return false end
  local tags = redis.call('ZREVRANGEBYSCORE', KEYS[2], ceiling, 0, 'LIMIT', 0, tonumber(ARGV[5]))
  if #tags == 0 then
    redis.call('DEL', KEYS[3])
    return {}
  end
  local out = {}
  for _, tag in ipairs(tags) do
    out[#out + 1] = tag
    out[#out + 1] = redis.call('HGET', KEYS[1], tag)
  end
  return out
end

local prefix, sep = ARGV[4], ARGV[5]
local tables = {}

-- Queues bound to `exchange` with `routing_key` (a direct exchange: kombu's default type).
local function lookup(exchange, routing_key)
  if exchange == '' then return { routing_key } end
  local members = tables[exchange]
  if members == nil then
    members = redis.call('SMEMBERS', prefix .. '_kombu.binding.' .. exchange)
    tables[exchange] = members
  end
  local queues = {}
  for _, member in ipairs(members) do
    local first = string.find(member, sep, 1, true)
    if first then
      local second = string.find(member, sep, first + #sep, true)
      if second and string.sub(member, 1, first - 1) == routing_key then
        queues[#queues + 1] = string.sub(member, second + #sep)
      end
    end
  end
  if #queues == 0 then queues[1] = routing_key end
  return queues
end

local restored = 0
for i = 6, #ARGV, 4 do
  local tag = ARGV[i]
  local score = redis.call('ZSCORE', KEYS[2], tag)
  if score == false or tonumber(score) <= ceiling then
    redis.call('ZREM', KEYS[2], tag)
    if redis.call('HDEL', KEYS[1], tag) == 1 and ARGV[i + 1] ~= '' then
      for _, queue in ipairs(lookup(ARGV[i + 2], ARGV[i + 3])) do
        redis.call('RPUSH', prefix .. queue, ARGV[i + 1])
      end
      restored = restored + 1
    end
  end
end
if redis.call('GET', KEYS[3]) == token then redis.call('DEL', KEYS[3]) end
return restored
