--[[
  Delete one dead letter.

  Input:
    KEYS[1]  dead-letter ids (zset)
    KEYS[2]  dead-letter records (hash)

    ARGV[1]  its id

  Output:
    1 when deleted, 0 when there was none with that id
]]
redis.call('HDEL', KEYS[2], ARGV[1])
return redis.call('ZREM', KEYS[1], ARGV[1])
