--[[
  Counts of one queue. ready: entries of its priority lists (a Celery message with a future eta
  counts as ready until a Celeriac consumer parks it, as for a Celery worker until it fetches it);
  delayed: parked by Celeriac; dead: dead letters; unacked: entries of kombu's `unacked` hash whose
  exchange and routing key lead to this queue (kombu keeps one hash for all queues, so this reads
  them all).

  Input:
    KEYS[1]  unacked (hash)
    KEYS[2]  delayed (zset)
    KEYS[3]  dead-letter ids (zset)
    KEYS[4..] the queue's priority lists

    ARGV[1]  the queue name
    ARGV[2]  global key prefix
    ARGV[3]  kombu's separator (\x06\x16)

  Output:
    { ready, delayed, unacked, dead }
]]
local queue, prefix, sep = ARGV[1], ARGV[2], ARGV[3]
local ready = 0
for i = 4, #KEYS do ready = ready + redis.call('LLEN', KEYS[i]) end

-- Whether the binding table of `exchange` routes `routing_key` to this queue.
local routes = {}
local function leads_here(exchange, routing_key)
  if exchange == '' then return routing_key == queue end
  local key = exchange .. sep .. routing_key
  if routes[key] == nil then
    routes[key] = redis.call('SISMEMBER', prefix .. '_kombu.binding.' .. exchange, routing_key .. sep .. sep .. queue) == 1
      or routing_key == queue
  end
  return routes[key]
end

local unacked = 0
for _, entry in ipairs(redis.call('HVALS', KEYS[1])) do
  local ok, decoded = pcall(cjson.decode, entry)
  if ok and type(decoded) == 'table' and leads_here(tostring(decoded[2] or ''), tostring(decoded[3] or '')) then
    unacked = unacked + 1
  end
end
return { ready, redis.call('ZCARD', KEYS[2]), unacked, redis.call('ZCARD', KEYS[3]) }
