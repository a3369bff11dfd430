-- GET /auth/me with one access token (env AUTH_BENCH_ACCESS).
-- Any answer but 200 is counted as an error by bench scripts via `done`.
local token = os.getenv("AUTH_BENCH_ACCESS")
assert(token and #token > 0, "set AUTH_BENCH_ACCESS")
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer " .. token

local bad = 0
function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end
function done(summary, latency, requests)
  io.write(string.format("non-2xx: %d\n", summary.errors.status))
end
