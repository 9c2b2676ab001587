-- Store a dead letter in a queue's block (base = index of its first key): the id in the ids zset,
-- scored by the queue's sequence (newest highest), the record JSON in the records hash; a later
-- dead letter with the same id replaces the earlier; beyond `max` the oldest are dropped.
local function store_dead_letter(base, id, record, max)
  local ids, records, seq = KEYS[base + 2], KEYS[base + 3], KEYS[base + 4]
  redis.call('ZADD', ids, redis.call('INCR', seq), id)
  redis.call('HSET', records, id, record)
  local excess = redis.call('ZCARD', ids) - max
  if excess > 0 then
    local dropped = redis.call('ZRANGE', ids, 0, excess - 1)
    redis.call('ZREMRANGEBYRANK', ids, 0, excess - 1)
    redis.call('HDEL', records, unpack(dropped))
  end
end
