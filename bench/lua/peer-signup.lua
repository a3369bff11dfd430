-- The peer's sign-up: POST /api/auth/sign-up/email, a new address every
-- request (p<run>-<thread>-<n>@bench.example, better-auth also wants a
-- name) with the password AUTH_BENCH_PASSWORD. AUTH_BENCH_RUN tells runs
-- (and warm-ups) apart. wrk counts any status >= 400.
local common = dofile(os.getenv("AUTH_BENCH_LUA") .. "/common.lua")
local password = os.getenv("AUTH_BENCH_PASSWORD")
local run = os.getenv("AUTH_BENCH_RUN") or "0"
assert(password, "set AUTH_BENCH_PASSWORD")
local headers = { ["Content-Type"] = "application/json" }
local id, n

function init(args)
  id, n = wrk.thread:get("id"), 0
end

function request()
  n = n + 1
  return wrk.format("POST", nil, headers, string.format(
    '{"email":"p%s-%d-%d@bench.example","password":"%s","name":"bench"}',
    run, id, n, password))
end

setup = common.setup
done = common.done
