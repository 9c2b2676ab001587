-- Epoch milliseconds of an ISO-8601 time as Celery writes it (`2026-12-03T11:15:15.556927+00:00`,
-- or naive, which Celery means as UTC); microseconds are rounded up, so an eta is never early.
-- nil when the text is not such a time.
local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = math.floor(y / 400)
  local yoe = y - era * 400
  local doy = math.floor((153 * ((m + 9) % 12) + 2) / 5) + d - 1
  local doe = yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
end

local function iso_to_ms(text)
  local y, mo, d, h, mi, s, rest = string.match(text, '^(%d%d%d%d)-(%d%d)-(%d%d)[T ](%d%d):(%d%d):(%d%d)(.*)$')
  if not y then return nil end
  local fraction, zone = string.match(rest, '^%.?(%d*)(.*)$')
  local micros = 0
  if fraction ~= '' then micros = tonumber(string.sub(fraction .. '000000', 1, 6)) end
  local offset = 0
  if zone ~= '' and zone ~= 'Z' and zone ~= 'z' then
    local sign, oh, om = string.match(zone, '^([+-])(%d%d):?(%d%d)$')
    if not sign then return nil end
    offset = (tonumber(oh) * 60 + tonumber(om)) * 60000
    if sign == '-' then offset = -offset end
  end
  local days = days_from_civil(tonumber(y), tonumber(mo), tonumber(d))
  local seconds = days * 86400 + tonumber(h) * 3600 + tonumber(mi) * 60 + tonumber(s)
  return seconds * 1000 + math.ceil(micros / 1000) - offset
end
