-- Offsets inside one queue's block of 16 KEYS, in the order of queueKeys() in src/keys.ts.
-- A script that serves several queues gets one block per queue: block q starts at 16 * (q - 1).
local LEVELS = 1     -- string: character n is '1' while ready stream n may hold undelivered entries
local WAKE = 2       -- list: wake tokens for consumers blocked in BLPOP
local SEQ = 3        -- counter: makes delayed members unique and orders dead letters
local DELAYED = 4    -- zset: delayed messages scored by eta (epoch ms)
local DEAD = 5       -- zset: dead-letter ids scored by SEQ (newest highest)
local DEAD_DATA = 6  -- hash: dead-letter id → JSON { id, queue, body, reason, deadLetteredAt, priority }
local READY0 = 7     -- streams: READY0 + n is the ready stream of priority n (0–9)
local QUEUE_KEY_COUNT = 16
-- Wake tokens kept per queue: enough to wake that many idle consumers at once.
local WAKE_CAP = 16
