-- POST /auth/refresh, following each rotation: every answer's new refresh
-- token goes back into this thread's queue. The queue starts with this
-- thread's share of the tokens in the file named by AUTH_BENCH_TOKENS (one
-- per line); AUTH_BENCH_THREADS must equal wrk's -t (default 2). Give every
-- connection a token of its own (at least -c tokens).
local nthreads = tonumber(os.getenv("AUTH_BENCH_THREADS") or "2")
local created = 0
local queue = {}

function setup(thread)
  thread:set("id", created)
  created = created + 1
end

function init(args)
  local file = os.getenv("AUTH_BENCH_TOKENS")
  assert(file, "set AUTH_BENCH_TOKENS")
  local n, id = 0, wrk.thread:get("id")
  for line in io.lines(file) do
    if n % nthreads == id then table.insert(queue, line) end
    n = n + 1
  end
end

function request()
  local tok = table.remove(queue, 1) or "none"
  return wrk.format("POST", "/auth/refresh",
    { ["Content-Type"] = "application/json" },
    '{"refresh_token":"' .. tok .. '"}')
end

function response(status, headers, body)
  local tok = body:match('"refresh_token":"([%w_-]+)"')
  if tok then table.insert(queue, tok) end
end

function done(summary, latency, requests)
  io.write(string.format("non-2xx: %d\n", summary.errors.status))
end
