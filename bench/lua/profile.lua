-- profile.lua: workload (3), profile read. GET /auth/profile with
-- Authorization: Bearer <access token>, round-robin over the pool in
-- $GP_POOL_FILE. The URL is the profile endpoint.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

local requests, next_i = {}, 1

function init(args)
  local access = read_pool(os.getenv("GP_POOL_FILE"))
  for i, token in ipairs(access) do
    requests[i] = wrk.format("GET", nil, { ["Authorization"] = "Bearer " .. token })
  end
  next_i = ((thread_index or 1) - 1) * 7919 % #requests + 1
end

function request()
  local r = requests[next_i]
  next_i = next_i % #requests + 1
  return r
end
