-- GET of the URL given to wrk (the FastCGI floor, me, the authorizer,
-- JWKS, health). With AUTH_BENCH_TOKENS (a file of access tokens, one a
-- line) every request carries the next token of this thread's share in
-- "Authorization: Bearer", round robin: a cache of verified tokens would
-- see as many distinct tokens as the file has. With AUTH_BENCH_ACCESS
-- alone every request carries that one token, and the request is static
-- (wrk builds it once). wrk counts any status >= 400.
local common = dofile(os.getenv("AUTH_BENCH_LUA") .. "/common.lua")
local token = os.getenv("AUTH_BENCH_ACCESS")
local file = os.getenv("AUTH_BENCH_TOKENS")
local reqs, next_i
wrk.method = "GET"
if token and #token > 0 then
  wrk.headers["Authorization"] = "Bearer " .. token
end

if file and #file > 0 then
  function init(args)
    reqs, next_i = {}, 1
    for _, tok in ipairs(common.pool(file)) do
      table.insert(reqs, wrk.format("GET", nil,
        { ["Authorization"] = "Bearer " .. tok }))
    end
    assert(#reqs > 0, "no token for this thread in " .. file)
  end

  -- The requests are built once, in init: the per-request cost on wrk's
  -- side stays that of a static request.
  function request()
    local r = reqs[next_i]
    next_i = next_i % #reqs + 1
    return r
  end
end

setup = common.setup
done = common.done
