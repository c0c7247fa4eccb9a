-- parse_signup.lua: workload (7), Parse Server's anonymous sign-up, the peer
-- comparison of --parse. The URL is Parse's users endpoint .../parse/users;
-- $GP_PARSE_APP_ID is the application id and $GP_PARSE_PREFIX a random
-- prefix the harness draws for each run. Every request signs up a new user:
--   POST /parse/users  {"authData":{"anonymous":{"id":"<uuid-like>"}}}
-- The id is unique across threads and runs: the run's prefix, the wrk thread's
-- index and a per-thread counter. Parse answers 201 for a new user.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

local prefix, counter, headers

function init(args)
  prefix = assert(os.getenv("GP_PARSE_PREFIX"), "GP_PARSE_PREFIX is not set")
  assert(prefix:match("^%x%x%x%x%x%x%x%x$"), "GP_PARSE_PREFIX must be 8 hex digits")
  headers = {
    ["X-Parse-Application-Id"] = assert(os.getenv("GP_PARSE_APP_ID"), "GP_PARSE_APP_ID is not set"),
    ["Content-Type"] = "application/json",
  }
  counter = 0
end

function request()
  counter = counter + 1
  local id = string.format("%s-%04x-4000-8000-%012x", prefix, thread_index or 1, counter)
  return wrk.format("POST", nil, headers, '{"authData":{"anonymous":{"id":"' .. id .. '"}}}')
end
