-- kombu's priority lists: a queue's block of keys (see kombu-keys.ts) ends with one list per
-- priority step, in step order. kombu files a message under the largest step not above its
-- priority (`Channel.priority`: steps[bisect(steps, n) - 1]).
local function step_index(steps, priority)
  local index = 1
  for i = 1, #steps do
    if steps[i] <= priority then index = i end
  end
  return index
end

-- The kombu priority a message says it has (properties.priority, 0–9; 0 when absent, as kombu).
local function message_priority(message)
  local properties = type(message) == 'table' and message.properties or nil
  local priority = type(properties) == 'table' and tonumber(properties.priority) or nil
  if priority == nil then return 0 end
  return math.max(0, math.min(9, math.floor(priority)))
end

-- The list key (in a block starting at `base`) where `item` belongs, by its kombu priority.
local function list_for(base, steps, item)
  local ok, message = pcall(cjson.decode, item)
  local priority = ok and message_priority(message) or 0
  return KEYS[base + BLOCK_HEAD + step_index(steps, priority) - 1]
end
