-- @include "dead-letter-store"

-- Store a dead letter in the queue whose key block starts at `base`; one record per id (a newer one
-- replaces it), at most `max` per queue (the oldest are dropped).
local function deadLetter(base, id, queue, body, reason, now, priority, max)
  local record = cjson.encode({
    id = id, queue = queue, body = body, reason = reason, deadLetteredAt = now, priority = priority,
  })
  storeDeadLetter(KEYS[base + DEAD], KEYS[base + DEAD_DATA], KEYS[base + SEQ], id, record, max)
end

-- A malformed entry's body for its dead letter: its `b` field when there is one, else its fields as JSON.
local function rawBody(fields)
  for i = 1, #fields, 2 do
    if fields[i] == 'b' then return fields[i + 1] end
  end
  return cjson.encode(fields)
end
