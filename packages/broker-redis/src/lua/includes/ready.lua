-- Append a message to ready stream `level` of the queue whose key block starts at `base`, and mark
-- the level non-empty so fetch reads it. `redeliveries` > 0 marks a message given back.
local function addReady(base, level, id, body, redeliveries)
  local stream = KEYS[base + READY0 + level]
  if redeliveries > 0 then
    redis.call('XADD', stream, '*', 'i', id, 'b', body, 'r', redeliveries)
  else
    redis.call('XADD', stream, '*', 'i', id, 'b', body)
  end
  redis.call('SETRANGE', KEYS[base + LEVELS], level, '1')
end

-- Push up to `count` wake tokens (at most WAKE_CAP in the list), one per consumer to wake.
local function wake(base, count)
  local key = KEYS[base + WAKE]
  local add = math.min(count, WAKE_CAP - redis.call('LLEN', key))
  if add > 0 then
    local tokens = {}
    for i = 1, add do tokens[i] = '1' end
    redis.call('LPUSH', key, unpack(tokens))
  end
end

-- The message of a stream entry's fields: id, body, redeliveries; or nil and why it is malformed.
local function parseEntry(fields)
  if fields[1] == 'i' and fields[3] == 'b' then
    return fields[2], fields[4], (fields[5] == 'r' and tonumber(fields[6])) or 0
  end
  local id, body, redeliveries
  local names = {}
  for i = 1, #fields, 2 do
    local name = fields[i]
    if name == 'i' then id = fields[i + 1] elseif name == 'b' then body = fields[i + 1]
    elseif name == 'r' then redeliveries = tonumber(fields[i + 1]) end
    if #names < 8 then names[#names + 1] = tostring(name) end
  end
  if id ~= nil and body ~= nil then return id, body, redeliveries or 0 end
  return nil, 'malformed stream entry: expected fields i (message id) and b (body), got [' ..
    table.concat(names, ', ') .. ']'
end
