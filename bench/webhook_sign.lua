-- wrk script: every request is a Daily `participant.joined` delivery with a unique event id and
-- session id, signed the way Daily signs (contract §5.1):
--   X-Webhook-Signature = base64(HMAC-SHA256(key, X-Webhook-Timestamp .. "." .. body))
-- HMAC-SHA256 is implemented below on LuaJIT's `bit` library (wrk embeds LuaJIT; no C modules).
-- It checks itself against the providers.md §1.5 test vector when each thread starts.
--
-- Environment: BENCH_KEY_HEX (the decoded DAILY_WEBHOOK_SECRET, hex), BENCH_ROOM (the Daily room
-- name of the meeting), BENCH_PATH (default /v1/daily/webhook).
local bit = require("bit")
local band, bor, bxor, bnot = bit.band, bit.bor, bit.bxor, bit.bnot
local rshift, lshift, ror, tobit = bit.rshift, bit.lshift, bit.ror, bit.tobit
local byte, char, rep, format = string.byte, string.char, string.rep, string.format

local K = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
}

local function be32(n)
  return char(band(rshift(n, 24), 255), band(rshift(n, 16), 255), band(rshift(n, 8), 255),
              band(n, 255))
end

local w = {}
local function block(msg, i, H)
  for j = 1, 16 do
    local a, b, c, d = byte(msg, i + (j - 1) * 4, i + (j - 1) * 4 + 3)
    w[j] = bor(lshift(a, 24), lshift(b, 16), lshift(c, 8), d)
  end
  for j = 17, 64 do
    local v15, v2 = w[j - 15], w[j - 2]
    local s0 = bxor(ror(v15, 7), ror(v15, 18), rshift(v15, 3))
    local s1 = bxor(ror(v2, 17), ror(v2, 19), rshift(v2, 10))
    w[j] = tobit(w[j - 16] + s0 + w[j - 7] + s1)
  end
  local a, b, c, d, e, f, g, h = H[1], H[2], H[3], H[4], H[5], H[6], H[7], H[8]
  for j = 1, 64 do
    local S1 = bxor(ror(e, 6), ror(e, 11), ror(e, 25))
    local ch = bxor(band(e, f), band(bnot(e), g))
    local t1 = tobit(h + S1 + ch + K[j] + w[j])
    local S0 = bxor(ror(a, 2), ror(a, 13), ror(a, 22))
    local maj = bxor(band(a, b), band(a, c), band(b, c))
    h, g, f, e, d, c, b, a = g, f, e, tobit(d + t1), c, b, a, tobit(t1 + S0 + maj)
  end
  H[1], H[2], H[3], H[4] = tobit(H[1] + a), tobit(H[2] + b), tobit(H[3] + c), tobit(H[4] + d)
  H[5], H[6], H[7], H[8] = tobit(H[5] + e), tobit(H[6] + f), tobit(H[7] + g), tobit(H[8] + h)
end

local function sha256(msg)
  local len = #msg
  msg = msg .. "\128" .. rep("\0", (64 - (len + 9) % 64) % 64) .. be32(0) .. be32(len * 8)
  local H = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
             0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19}
  for i = 1, #msg, 64 do block(msg, i, H) end
  return be32(H[1]) .. be32(H[2]) .. be32(H[3]) .. be32(H[4]) ..
         be32(H[5]) .. be32(H[6]) .. be32(H[7]) .. be32(H[8])
end

local function xor_pad(key, value)
  local out = {}
  for i = 1, 64 do out[i] = char(bxor(byte(key, i) or 0, value)) end
  return table.concat(out)
end

local function hmac_sha256(key, msg)
  if #key > 64 then key = sha256(key) end
  return sha256(xor_pad(key, 0x5c) .. sha256(xor_pad(key, 0x36) .. msg))
end

local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local function base64(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = byte(s, i, i + 2)
    local n = lshift(a, 16) + lshift(b or 0, 8) + (c or 0)
    local c1 = band(rshift(n, 18), 63) + 1
    local c2 = band(rshift(n, 12), 63) + 1
    local c3 = band(rshift(n, 6), 63) + 1
    local c4 = band(n, 63) + 1
    out[#out + 1] = B64:sub(c1, c1) .. B64:sub(c2, c2) ..
                    (b and B64:sub(c3, c3) or "=") .. (c and B64:sub(c4, c4) or "=")
  end
  return table.concat(out)
end

local function from_hex(hex)
  return (hex:gsub("..", function(h) return char(tonumber(h, 16)) end))
end

local key, room, path
local counter = 0
-- Set per thread by setup() (a global: thread:set writes the thread's globals).
thread_tag = "t"

function setup(thread)
  counter = counter + 1
  thread:set("thread_tag", "t" .. counter)
end

function init(args)
  -- providers.md §1.5 vector: key "0123456789abcdef0123456789abcdef", timestamp 1692124192.
  local got = base64(hmac_sha256("0123456789abcdef0123456789abcdef", '1692124192.{"test":"test"}'))
  if got ~= "pzeZnmpyd2Un/VyBkP6t5IC4Nua/3+NDSUUGsUW9lvg=" then
    error("webhook_sign.lua: HMAC-SHA256 self-test failed: " .. got)
  end
  -- reflector-reference.md §2.7 vector: a body of several SHA-256 blocks.
  local long_body = '{"version":"1.0.0","type":"participant.joined","id":"ptcpt-join-1",' ..
    '"payload":{"room":"myroom-20260101120000","user_id":"u1","user_name":"Alice",' ..
    '"session_id":"s1","joined_at":1708972279.96},"event_ts":1708972279.961}'
  got = base64(hmac_sha256("reflector-test-secret-0123456789", "1708972280." .. long_body))
  if got ~= "3oqolntpUn9l6w4S/zhp9SUppaydmhaGK9JuNde4+K0=" then
    error("webhook_sign.lua: HMAC-SHA256 self-test (long body) failed: " .. got)
  end
  key = from_hex(assert(os.getenv("BENCH_KEY_HEX"), "BENCH_KEY_HEX is not set"))
  room = assert(os.getenv("BENCH_ROOM"), "BENCH_ROOM is not set")
  path = os.getenv("BENCH_PATH") or "/v1/daily/webhook"
  counter = 0
  -- A per-process random part keeps ids unique across runs against the same database.
  math.randomseed(os.time() * 1000 + tonumber(thread_tag:sub(2)))
  thread_tag = thread_tag .. "-" .. format("%08x", math.random(0, 0x7fffffff))
end

function request()
  counter = counter + 1
  local id = thread_tag .. "-" .. counter
  local now = os.time()
  local body = '{"version":"1.0.0","type":"participant.joined","id":"bench-join-' .. id ..
               '","payload":{"room":"' .. room .. '","user_id":"u-' .. id ..
               '","user_name":"Bench ' .. id .. '","session_id":"s-' .. id ..
               '","joined_at":' .. now .. '.5,"will_eject_at":null,"owner":false},"event_ts":' ..
               now .. '.6}'
  local timestamp = tostring(now)
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/json",
    ["X-Webhook-Timestamp"] = timestamp,
    ["X-Webhook-Signature"] = base64(hmac_sha256(key, timestamp .. "." .. body)),
  }, body)
end
