-- common.lua: loaded by every bench/lua script (dofile). Counts non-2xx
-- responses in each wrk thread and, in done(), prints one machine-readable
-- line that bench/run.sh parses:
--   GPBENCH requests=.. seconds=.. rps=.. p50_us=.. p99_us=.. p999_us=..
--           non2xx=.. connect_errors=.. read_errors=.. write_errors=.. timeouts=..
-- plus, when there were non-2xx responses, GPBENCH_FIRST_BAD <status> <body>.
-- A script may define on_response(status, body) to see every response too.

-- The login body the harness sends (a realm-js-like client with device info).
LOGIN_BODY = '{"options":{"device":{"sdkVersion":"2.0.1","platform":"node","platformVersion":"20"}}}'

-- Reads the token pool written by pool.lua: one "<access> <refresh>" per line.
function read_pool(path)
  local access, refresh = {}, {}
  local f = assert(io.open(assert(path, "GP_POOL_FILE is not set"), "r"))
  for line in f:lines() do
    local a, r = line:match("^(%S+) (%S+)$")
    if a then
      access[#access + 1] = a
      refresh[#refresh + 1] = r
    end
  end
  f:close()
  assert(#access > 0, "empty token pool " .. path)
  return access, refresh
end

local threads = {}

-- Runs in the main Lua state, once per wrk thread.
function setup(thread)
  threads[#threads + 1] = thread
  thread:set("thread_index", #threads)
end

-- Per-thread state (each wrk thread runs this file in its own Lua state).
non2xx = 0
first_bad = ""

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if first_bad == "" then first_bad = status .. " " .. string.sub(body or "", 1, 300) end
  end
  if on_response then on_response(status, body) end
end

function done(summary, latency, requests)
  local bad, first = 0, ""
  for _, t in ipairs(threads) do
    bad = bad + (t:get("non2xx") or 0)
    local f = t:get("first_bad")
    if first == "" and f and f ~= "" then first = f end
  end
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "GPBENCH requests=%d seconds=%.3f rps=%.1f p50_us=%.0f p99_us=%.0f p999_us=%.0f" ..
    " non2xx=%d connect_errors=%d read_errors=%d write_errors=%d timeouts=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9),
    bad, e.connect, e.read, e.write, e.timeout))
  if first ~= "" then
    io.write("GPBENCH_FIRST_BAD " .. first:gsub("[\r\n]", " ") .. "\n")
  end
end
