-- nginx.lua: the baseline: GET / on the harness's nginx, which answers
-- 200 {"status":"ok"}. Same response checking as every workload.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

wrk.method = "GET"
