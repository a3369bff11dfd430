-- GET of the URL given to wrk (the FastCGI floor, me, the authorizer,
-- JWKS, health), with "Authorization: Bearer $AUTH_BENCH_ACCESS" when set.
-- A static request: wrk builds it once. wrk counts any status >= 400.
local common = dofile(os.getenv("AUTH_BENCH_LUA") .. "/common.lua")
local token = os.getenv("AUTH_BENCH_ACCESS")
wrk.method = "GET"
if token and #token > 0 then
  wrk.headers["Authorization"] = "Bearer " .. token
end
setup = common.setup
done = common.done
