-- Shared by the scenario scripts of bench/run (each loads it with dofile):
-- thread ids, token pools read from a file, and the one report line that
-- bench/run parses. Environment:
--   AUTH_BENCH_THREADS  wrk's -t (default 2)
local common = {}
local threads = {}

common.nthreads = tonumber(os.getenv("AUTH_BENCH_THREADS") or "2")

-- wrk calls setup once per thread, in the main Lua state.
function common.setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

-- This thread's share of the lines of file (line n goes to thread
-- n mod nthreads), as a queue.
function common.pool(file)
  assert(file, "no token file given")
  local queue, n, id = {}, 0, wrk.thread:get("id")
  for line in io.lines(file) do
    if n % common.nthreads == id then table.insert(queue, line) end
    n = n + 1
  end
  return queue
end

-- Counters a thread keeps as globals, summed over the threads at the end:
-- bad (an answer the scenario did not expect), exhausted (a request sent
-- after the token pool ran dry).
local function sum(name)
  local total = 0
  for _, t in ipairs(threads) do total = total + (tonumber(t:get(name)) or 0) end
  return total
end

-- Scenarios that expect more than one status (AUTH_BENCH_EXPECT, e.g.
-- "401,429") count each answer with common.tally: per status as the
-- globals st_<code>, reported on a second line "BENCHSTATUS 401=n 429=m";
-- any other status is "bad".
common.expect = {}
for code in (os.getenv("AUTH_BENCH_EXPECT") or ""):gmatch("%d+") do
  table.insert(common.expect, tonumber(code))
end

function common.tally(status)
  for _, code in ipairs(common.expect) do
    if status == code then
      local name = "st_" .. code
      _G[name] = (_G[name] or 0) + 1
      return
    end
  end
  bad = bad + 1
end

function common.done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d " ..
    "status=%d connect=%d read=%d write=%d timeout=%d bad=%d exhausted=%d\n",
    summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(99), latency.max, e.status, e.connect, e.read,
    e.write, e.timeout, sum("bad"), sum("exhausted")))
  if #common.expect > 0 then
    local words = {}
    for _, code in ipairs(common.expect) do
      table.insert(words, string.format("%d=%d", code, sum("st_" .. code)))
    end
    io.write("BENCHSTATUS " .. table.concat(words, " ") .. "\n")
  end
end

return common
