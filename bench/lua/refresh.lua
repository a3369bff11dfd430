-- POST /auth/refresh, following each rotation: every answer's new refresh
-- token goes back into this thread's queue. The queue starts with this
-- thread's share of the tokens in the file AUTH_BENCH_TOKENS (one per
-- line; give at least one per connection). Any answer but 200 is "bad".
local common = dofile(os.getenv("AUTH_BENCH_LUA") .. "/common.lua")
local headers = { ["Content-Type"] = "application/json" }
local queue

function init(args)
  queue = common.pool(os.getenv("AUTH_BENCH_TOKENS"))
  bad, exhausted = 0, 0
end

function request()
  local tok = table.remove(queue, 1)
  if not tok then
    exhausted = exhausted + 1
    tok = "exhausted"
  end
  return wrk.format("POST", nil, headers, '{"refresh_token":"' .. tok .. '"}')
end

function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
  local tok = body:match('"refresh_token":"([%w_-]+)"')
  if tok then table.insert(queue, tok) end
end

setup = common.setup
done = common.done
