-- POST /auth/login with a verified account (env AUTH_BENCH_EMAIL,
-- AUTH_BENCH_PASSWORD). Set AUTH_BENCH_WRONG=1 to send a wrong password.
local email = os.getenv("AUTH_BENCH_EMAIL")
local password = os.getenv("AUTH_BENCH_PASSWORD")
assert(email and password, "set AUTH_BENCH_EMAIL and AUTH_BENCH_PASSWORD")
if os.getenv("AUTH_BENCH_WRONG") == "1" then password = password .. "-wrong" end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = string.format('{"email":"%s","password":"%s"}', email, password)

function done(summary, latency, requests)
  io.write(string.format("non-2xx: %d\n", summary.errors.status))
end
