/* GET /auth/health: are PostgreSQL and Redis reachable? */
#include <json-c/json.h>

#include "endpoint.h"
#include "rl.h"
#include "redis.h"

static enum auth_err
health(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	enum auth_err db, redis;
	bool redis_ok;
	json_object *j, *checks;

	(void)ctx;
	(void)req;
	db = auth_store_ping();
	redis = auth_redis_ping();
	/* Without Redis the limits are kept per process: degraded, not down. */
	redis_ok = redis == AUTH_OK && !auth_rl_degraded();
	j = auth_http_json_object();
	checks = auth_http_json_object();
	auth_http_json_add_str(checks, "db",
	    db == AUTH_OK ? "ok" : "unavailable");
	auth_http_json_add_str(checks, "redis", redis_ok ? "ok" : "degraded");
	auth_http_json_add_str(j, "status",
	    db != AUTH_OK ? "unavailable" : redis_ok ? "ok" : "degraded");
	auth_http_json_add(j, "checks", checks);
	auth_http_resp_json(rs, db == AUTH_OK ? 200 : 503, j);
	if (rs->status == 503)
		auth_resp_header(rs, "Retry-After", "5");
	return AUTH_OK;
}

static const struct auth_route routes[] = {
	{ "/auth/health", false, NULL, AUTH_M(AUTH_GET), 0, health },
};

static const struct auth_endpoint endpoint = {
	.name = "health",
	AUTH_ENDPOINT_ROUTES(routes),
	.needs_db = true,
};

AUTH_ENDPOINT_MAIN(endpoint)
