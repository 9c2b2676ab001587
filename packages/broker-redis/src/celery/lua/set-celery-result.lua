--[[
  Store a task's result meta as Celery's Redis backend does (SET with expiry, then PUBLISH on the
  same key, which is the channel Celery's ResultConsumer and `watch` subscribe to), except that a
  stored SUCCESS is final: Celery's `_store_result` ignores any later state for that task, so a
  duplicate run (redelivery) cannot overwrite a result that was already returned. Atomic here,
  where Celery reads and writes in two steps.

  Input:
    KEYS[1]  celery-task-meta-<task id>

    ARGV[1]  the meta as JSON
    ARGV[2]  time to live in ms (0: no expiry)

  Output:
    1 when stored, 0 when a SUCCESS was already there
]]
local current = redis.call('GET', KEYS[1])
if current then
  local ok, meta = pcall(cjson.decode, current)
  if ok and type(meta) == 'table' and meta.status == 'SUCCESS' then return 0 end
end
local ttl = tonumber(ARGV[2])
if ttl > 0 then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
else
  redis.call('SET', KEYS[1], ARGV[1])
end
redis.call('PUBLISH', KEYS[1], ARGV[1])
return 1
