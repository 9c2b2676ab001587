--[[
  Delete one dead letter.

  Input:
    KEYS[1]  dead-letter ids (zset scored by sequence)
    KEYS[2]  dead-letter records (hash id → JSON)

    ARGV[1]  dead-letter id

  Output:
    1 when deleted, 0 when there is no such dead letter
]]
redis.call('HDEL', KEYS[2], ARGV[1])
return redis.call('ZREM', KEYS[1], ARGV[1])
