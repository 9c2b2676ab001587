-- Store a dead letter: its id in the ids zset, scored by the queue's sequence (newest highest), its
-- record (JSON) in the records hash; a later dead letter with the same id replaces the earlier;
-- beyond `max` per queue the oldest are dropped. Both key layouts use it: Celeriac's streams
-- (includes/dead-letter.lua) and Celery mode's kombu lists (src/celery/lua).
local function storeDeadLetter(ids, records, seq, id, record, max)
  redis.call('ZADD', ids, redis.call('INCR', seq), id)
  redis.call('HSET', records, id, record)
  local excess = redis.call('ZCARD', ids) - max
  if excess > 0 then
    local dropped = redis.call('ZRANGE', ids, 0, excess - 1)
    redis.call('ZREMRANGEBYRANK', ids, 0, excess - 1)
    redis.call('HDEL', records, unpack(dropped))
  end
end
