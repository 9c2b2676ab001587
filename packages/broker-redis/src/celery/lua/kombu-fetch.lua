--[[
  Take up to ARGV[2] messages from kombu's priority lists for one consumer, as kombu's Redis
  transport does: lowest kombu priority step first (kombu BRPOPs `queue`, `queue\x06\x163`, … in
  step order), queues in the order given within a step, RPOP (kombu pops from the right). Each
  message taken is recorded in kombu's `unacked` hash (delivery tag → [message, exchange, routing
  key]) and `unacked_index` (delivery tag → now, in seconds), exactly as kombu's QoS.append does, so
  kombu's (and our) visibility-timeout restore brings it back if it is never acknowledged.
  A message whose `eta` header is still in the future is parked in the queue's delayed set instead
  (a Celery worker would hold it in memory; Celeriac never hands out an undue message). An entry
  that is not a kombu message is dead-lettered with the reason.

  Input:
    KEYS[1]  unacked (hash)
    KEYS[2]  unacked_index (zset)
    KEYS[3 + (q-1)*(5+S) ..]  the block of queue q: delayed (zset), delayed messages (hash),
             dead-letter ids (zset), dead-letter records (hash), dead-letter sequence, then its
             S priority lists in step order

    ARGV[1]  how many messages at most
    ARGV[2]  now, epoch ms
    ARGV[3]  dead letters kept per queue
    ARGV[4]  S, the number of priority steps
    ARGV[5]  a message the caller already popped with BRPOP ('' if none), taken first
    ARGV[6]  the queue number of that message (1-based; 0 if none)
    ARGV[7..] queue names, one per block

  Output:
    { earliest eta parked by this call ('' if none), then two items per message taken: queue
      number, the message as stored }
]]
local BLOCK_HEAD = 5
-- @include "iso-time"
-- (src/lua/includes, shared with Celeriac's own layout)
-- @include "dead-letter-store"

local wanted, now, max_dead, steps = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local queues = #ARGV - 6
local block = BLOCK_HEAD + steps
local unacked, index = KEYS[1], KEYS[2]
local out = { '' }
local earliest = nil
local taken = 0

local function base_of(q) return 3 + (q - 1) * block end

local function dead(q, item, reason)
  local id = 'unreadable-' .. string.sub(redis.sha1hex(item .. now), 1, 16)
  local record = cjson.encode({ id = id, queue = ARGV[6 + q], body = item, reason = reason, deadLetteredAt = now, raw = item })
  local base = base_of(q)
  storeDeadLetter(KEYS[base + 2], KEYS[base + 3], KEYS[base + 4], id, record, max_dead)
end

local function take(q, item)
  local ok, message = pcall(cjson.decode, item)
  if not ok or type(message) ~= 'table' then
    return dead(q, item, 'not a kombu message: the list entry is not JSON')
  end
  local properties = message.properties
  if type(properties) ~= 'table' then
    return dead(q, item, 'not a kombu message: no properties object')
  end
  local tag = properties.delivery_tag
  if type(tag) ~= 'string' and type(tag) ~= 'number' then
    return dead(q, item, 'not a kombu message: no properties.delivery_tag')
  end
  tag = tostring(tag)
  local headers = message.headers
  local eta = type(headers) == 'table' and headers.eta or nil
  if type(eta) == 'string' then
    local at = iso_to_ms(eta)
    if at ~= nil and at > now then
      local base = base_of(q)
      redis.call('ZADD', KEYS[base], at, tag)
      redis.call('HSET', KEYS[base + 1], tag, item)
      if earliest == nil or at < earliest then earliest = at end
      return
    end
  end
  local info = type(properties.delivery_info) == 'table' and properties.delivery_info or {}
  local exchange = type(info.exchange) == 'string' and info.exchange or ''
  local routing_key = type(info.routing_key) == 'string' and info.routing_key or ARGV[6 + q]
  redis.call('ZADD', index, now / 1000, tag)
  redis.call('HSET', unacked, tag, '[' .. item .. ',' .. cjson.encode(exchange) .. ',' .. cjson.encode(routing_key) .. ']')
  out[#out + 1] = q
  out[#out + 1] = item
  taken = taken + 1
end

local claimed = tonumber(ARGV[6])
if ARGV[5] ~= '' and claimed > 0 then take(claimed, ARGV[5]) end

-- Parked and dead-lettered entries do not count toward `wanted`; at most MAX_POPS entries are
-- popped per call, so a long run of parked messages cannot stall Redis (the caller fetches again).
local MAX_POPS = 1000
local pops = 0
for step = 1, steps do
  for q = 1, queues do
    while taken < wanted and pops < MAX_POPS do
      local item = redis.call('RPOP', KEYS[base_of(q) + BLOCK_HEAD + step - 1])
      if not item then break end
      pops = pops + 1
      take(q, item)
    end
  end
end

if earliest ~= nil then out[1] = tostring(earliest) end
return out
