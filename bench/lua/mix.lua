-- mix.lua: workload (4), app start-ups: 1 login : 20 refreshes : 50 profile
-- reads, interleaved in a fixed cycle of 71 requests. The URL is the server's
-- base URL; $GP_APP_ID names the app, $GP_POOL_FILE the token pool.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

local cycle, pos = {}, 1

function init(args)
  local app_id = assert(os.getenv("GP_APP_ID"), "GP_APP_ID is not set")
  local access, refresh = read_pool(os.getenv("GP_POOL_FILE"))
  local login = wrk.format("POST", "/api/client/v2.0/app/" .. app_id .. "/auth/providers/anon-user/login",
                           { ["Content-Type"] = "application/json" }, LOGIN_BODY)
  local a = ((thread_index or 1) - 1) * 7919 % #access
  local r = a
  -- One login, then 10 x (2 refreshes + 5 profile reads) = 20 + 50.
  cycle[#cycle + 1] = login
  for _ = 1, 10 do
    for k = 1, 7 do
      if k == 1 or k == 4 then
        r = r % #refresh + 1
        cycle[#cycle + 1] = wrk.format("POST", "/api/client/v2.0/auth/session",
                                       { ["Authorization"] = "Bearer " .. refresh[r] })
      else
        a = a % #access + 1
        cycle[#cycle + 1] = wrk.format("GET", "/api/client/v2.0/auth/profile",
                                       { ["Authorization"] = "Bearer " .. access[a] })
      end
    end
  end
end

function request()
  local req = cycle[pos]
  pos = pos % #cycle + 1
  return req
end
