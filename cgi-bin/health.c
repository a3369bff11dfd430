/* GET /auth/health: are PostgreSQL and Redis reachable? */
#include <json-c/json.h>

#include "endpoint.h"
#include "rl.h"
#include "redis.h"
#include "store.h"

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
	j = json_object_new_object();
	checks = json_object_new_object();
	json_object_object_add(checks, "db",
	    json_object_new_string(db == AUTH_OK ? "ok" : "unavailable"));
	json_object_object_add(checks, "redis",
	    json_object_new_string(redis_ok ? "ok" : "degraded"));
	json_object_object_add(j, "status", json_object_new_string(
	    db != AUTH_OK ? "unavailable" : redis_ok ? "ok" : "degraded"));
	json_object_object_add(j, "checks", checks);
	auth_resp_json(rs, db == AUTH_OK ? 200 : 503, j);
	if (rs->status == 503)
		auth_resp_header(rs, "Retry-After", "5");
	return AUTH_OK;
}

static const struct auth_endpoint endpoint = {
	.name = "health",
	.path = "/auth/health",
	.methods = AUTH_M(AUTH_GET),
	.needs_db = true,
	.handler = health,
};

int
main(int argc, char **argv)
{
	return auth_endpoint_main(&endpoint, argc, argv);
}
