-- login.lua: workload (1), anonymous login. The URL is the login endpoint
-- .../app/<id>/auth/providers/anon-user/login; every request creates a new
-- durable user with one session.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

wrk.method = "POST"
wrk.body = LOGIN_BODY
wrk.headers["Content-Type"] = "application/json"
