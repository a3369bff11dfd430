-- POST /auth/refresh, following each rotation: every answer's new refresh
-- token goes back into this thread's queue. The queue starts with this
-- thread's share of the tokens in the file AUTH_BENCH_TOKENS (one per
-- line; give at least one per connection). Any answer but 200 is "bad",
-- unless AUTH_BENCH_EXPECT lists the statuses to count (common.tally).
-- AUTH_BENCH_STATIC_TOKEN sends that one token with every request instead
-- (a token that does not exist: a guesser's traffic).
local common = dofile(os.getenv("AUTH_BENCH_LUA") .. "/common.lua")
local headers = { ["Content-Type"] = "application/json" }
local static = os.getenv("AUTH_BENCH_STATIC_TOKEN")
local queue

function init(args)
  if not static then queue = common.pool(os.getenv("AUTH_BENCH_TOKENS")) end
  bad, exhausted = 0, 0
end

function request()
  local tok = static or table.remove(queue, 1)
  if not tok then
    exhausted = exhausted + 1
    tok = "exhausted"
  end
  return wrk.format("POST", nil, headers, '{"refresh_token":"' .. tok .. '"}')
end

function response(status, headers, body)
  if #common.expect > 0 then
    common.tally(status)
  elseif status ~= 200 then
    bad = bad + 1
  end
  if static then return end
  local tok = body:match('"refresh_token":"([%w_-]+)"')
  if tok then table.insert(queue, tok) end
end

setup = common.setup
done = common.done
