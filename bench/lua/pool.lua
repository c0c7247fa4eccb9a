-- pool.lua: creates the token pool for workloads (2)-(4): logs in anonymously
-- until $GP_POOL_SIZE logins succeeded, writing "<access> <refresh>" lines to
-- $GP_POOL_FILE, then creates $GP_POOL_FILE.done and stops. Run it with one wrk thread (-t1). The URL is the
-- login endpoint.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

wrk.method = "POST"
wrk.body = LOGIN_BODY
wrk.headers["Content-Type"] = "application/json"

local want = tonumber(os.getenv("GP_POOL_SIZE") or "")
local out, got

function init(args)
  assert(want and want > 0, "GP_POOL_SIZE is not set")
  out = assert(io.open(assert(os.getenv("GP_POOL_FILE"), "GP_POOL_FILE is not set"), "w"))
  got = 0
end

function on_response(status, body)
  if status ~= 200 or got >= want then return end
  local access = body:match('"access_token":"([^"]+)"')
  local refresh = body:match('"refresh_token":"([^"]+)"')
  if not (access and refresh) then return end
  out:write(access, " ", refresh, "\n")
  got = got + 1
  if got == want then
    out:close()
    -- Tells bench/run.sh the pool is complete; it stops wrk.
    assert(io.open(os.getenv("GP_POOL_FILE") .. ".done", "w")):close()
    wrk.thread:stop()
  end
end
