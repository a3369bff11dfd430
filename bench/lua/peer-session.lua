-- The peer's session check: GET /api/auth/get-session with the cookie
-- "better-auth.session_token=<C>", C the next line of this thread's share
-- of the file AUTH_BENCH_TOKENS, round robin. better-auth answers 200 with
-- "null" for a session it does not know: any answer but a 200 whose body
-- holds a session counts as "bad".
local common = dofile(os.getenv("AUTH_BENCH_LUA") .. "/common.lua")
local reqs, next_i

function init(args)
  bad, exhausted = 0, 0
  reqs, next_i = {}, 1
  for _, c in ipairs(common.pool(os.getenv("AUTH_BENCH_TOKENS"))) do
    table.insert(reqs, wrk.format("GET", nil,
      { ["Cookie"] = "better-auth.session_token=" .. c }))
  end
  assert(#reqs > 0, "no cookie for this thread")
end

function request()
  local r = reqs[next_i]
  next_i = next_i % #reqs + 1
  return r
end

function response(status, headers, body)
  if status ~= 200 or not body:find('"session":{', 1, true) then bad = bad + 1 end
end

setup = common.setup
done = common.done
