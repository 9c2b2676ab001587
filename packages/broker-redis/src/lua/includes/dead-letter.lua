-- Store a dead letter in the queue whose key block starts at `base`; one record per id (a newer one
-- replaces it), at most `max` per queue (the oldest are dropped).
local function deadLetter(base, id, queue, body, reason, now, priority, max)
  local ids, data = KEYS[base + DEAD], KEYS[base + DEAD_DATA]
  redis.call('ZADD', ids, redis.call('INCR', KEYS[base + SEQ]), id)
  redis.call('HSET', data, id, cjson.encode({
    id = id, queue = queue, body = body, reason = reason, deadLetteredAt = now, priority = priority,
  }))
  local excess = redis.call('ZCARD', ids) - max
  if excess > 0 then
    local dropped = redis.call('ZRANGE', ids, 0, excess - 1)
    redis.call('ZREMRANGEBYRANK', ids, 0, excess - 1)
    redis.call('HDEL', data, unpack(dropped))
  end
end

-- A malformed entry's body for its dead letter: its `b` field when there is one, else its fields as JSON.
local function rawBody(fields)
  for i = 1, #fields, 2 do
    if fields[i] == 'b' then return fields[i + 1] end
  end
  return cjson.encode(fields)
end
