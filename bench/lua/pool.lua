-- POST of one single-use token per request to the URL given to wrk:
-- verify-email ({"token": T}) or logout ({"refresh_token": T}), as
-- AUTH_BENCH_FIELD says. Tokens come from the file AUTH_BENCH_TOKENS, each
-- used once; a request sent after the pool ran dry counts as "exhausted"
-- (bench/run then fails: seed more).
local common = dofile(os.getenv("AUTH_BENCH_LUA") .. "/common.lua")
local field = os.getenv("AUTH_BENCH_FIELD") or "token"
local headers = { ["Content-Type"] = "application/json" }
local queue, next_i

function init(args)
  queue, next_i = common.pool(os.getenv("AUTH_BENCH_TOKENS")), 1
  exhausted = 0
end

function request()
  local tok = queue[next_i]
  if tok then
    next_i = next_i + 1
  else
    exhausted = exhausted + 1
    tok = "exhausted"
  end
  return wrk.format("POST", nil, headers,
    '{"' .. field .. '":"' .. tok .. '"}')
end

setup = common.setup
done = common.done
