--[[
  Settle one delivery that is recorded in kombu's unacked bookkeeping, only if it still is (the
  first settlement wins; a delivery whose lease expired and was restored is no longer ours):
  remove it from `unacked` and `unacked_index`, as kombu's ack does, then
    requeue  push the message (marked redelivered by the caller) to the back of its list, as
             kombu's reject(requeue=True) does (LPUSH: consumers pop from the right)
    return   push it to the front (RPUSH), as kombu's restore at shutdown does: a fetched message
             never handed out (unchanged), or one held when the broker closes (marked redelivered)
    dead     store a dead letter with the reason
    ack      nothing more

  Input:
    KEYS[1]  unacked (hash)
    KEYS[2]  unacked_index (zset)
    KEYS[3]  requeue/return: the list to push to; dead: the queue's dead-letter ids (zset)
    KEYS[4]  dead: dead-letter records (hash)
    KEYS[5]  dead: dead-letter sequence

    ARGV[1]  mode: requeue | return | dead | ack
    ARGV[2]  delivery tag
    ARGV[3]  requeue/return: the message to push; dead: the dead-letter record (JSON)
    ARGV[4]  dead: the dead letter's id
    ARGV[5]  dead: dead letters kept per queue

  Output:
    1 when settled here, 0 when it was no longer recorded as unacked
]]
-- (src/lua/includes, shared with Celeriac's own layout)
-- @include "dead-letter-store"

local mode, tag = ARGV[1], ARGV[2]
if redis.call('HDEL', KEYS[1], tag) == 0 then
  redis.call('ZREM', KEYS[2], tag)
  return 0
end
redis.call('ZREM', KEYS[2], tag)
if mode == 'requeue' then
  redis.call('LPUSH', KEYS[3], ARGV[3])
elseif mode == 'return' then
  redis.call('RPUSH', KEYS[3], ARGV[3])
elseif mode == 'dead' then
  storeDeadLetter(KEYS[3], KEYS[4], KEYS[5], ARGV[4], ARGV[3], tonumber(ARGV[5]))
end
return 1
