-- refresh.lua: workload (2), access-token refresh. POST /auth/session with
-- Authorization: Bearer <refresh token>, round-robin over the pool in
-- $GP_POOL_FILE (written by pool.lua). The URL is the session endpoint.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

local requests, next_i = {}, 1

function init(args)
  local _, refresh = read_pool(os.getenv("GP_POOL_FILE"))
  for i, token in ipairs(refresh) do
    requests[i] = wrk.format("POST", nil, { ["Authorization"] = "Bearer " .. token })
  end
  -- Threads start at different places in the pool.
  next_i = ((thread_index or 1) - 1) * 7919 % #requests + 1
end

function request()
  local r = requests[next_i]
  next_i = next_i % #requests + 1
  return r
end
