-- POST /auth/login with a verified account (AUTH_BENCH_EMAIL,
-- AUTH_BENCH_PASSWORD); a static request. AUTH_BENCH_WRONG=1 sends a wrong
-- password instead (every answer then is a 401, or a 429 once a limit
-- trips). With AUTH_BENCH_EXPECT the answers are counted by status
-- (common.tally).
local common = dofile(os.getenv("AUTH_BENCH_LUA") .. "/common.lua")
local email = os.getenv("AUTH_BENCH_EMAIL")
local password = os.getenv("AUTH_BENCH_PASSWORD")
assert(email and password, "set AUTH_BENCH_EMAIL and AUTH_BENCH_PASSWORD")
if os.getenv("AUTH_BENCH_WRONG") == "1" then password = password .. "-wrong" end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = string.format('{"email":"%s","password":"%s"}', email, password)

function init(args)
  bad, exhausted = 0, 0
end

if #common.expect > 0 then
  response = function(status, headers, body) common.tally(status) end
end

setup = common.setup
done = common.done
