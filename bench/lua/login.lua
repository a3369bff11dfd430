-- POST /auth/login with a verified account (AUTH_BENCH_EMAIL,
-- AUTH_BENCH_PASSWORD); a static request. AUTH_BENCH_WRONG=1 sends a wrong
-- password instead (every answer then is a 401, or a 429 once a limit
-- trips). With AUTH_BENCH_ACCOUNTS=N, AUTH_BENCH_EMAIL is a format with
-- one %d and the requests go round robin over accounts 1..N (each thread
-- starting at its own offset), so that no account collects more than
-- 1/N of the failures. With AUTH_BENCH_EXPECT the answers are counted by
-- status (common.tally).
local common = dofile(os.getenv("AUTH_BENCH_LUA") .. "/common.lua")
local email = os.getenv("AUTH_BENCH_EMAIL")
local password = os.getenv("AUTH_BENCH_PASSWORD")
local accounts = tonumber(os.getenv("AUTH_BENCH_ACCOUNTS") or "0")
local headers = { ["Content-Type"] = "application/json" }
local k
assert(email and password, "set AUTH_BENCH_EMAIL and AUTH_BENCH_PASSWORD")
if os.getenv("AUTH_BENCH_WRONG") == "1" then password = password .. "-wrong" end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = string.format('{"email":"%s","password":"%s"}', email, password)

function init(args)
  bad, exhausted = 0, 0
  k = math.floor(wrk.thread:get("id") * accounts / common.nthreads)
end

if accounts > 0 then
  function request()
    k = k % accounts + 1
    return wrk.format("POST", nil, headers, string.format(
      '{"email":"%s","password":"%s"}', string.format(email, k), password))
  end
end

if #common.expect > 0 then
  response = function(status, headers, body) common.tally(status) end
end

setup = common.setup
done = common.done
