/*
 * GET /auth/health: are PostgreSQL and Redis reachable, and is mail going
 * out? 503 only without the database; Redis (limits kept per process) and
 * a mail backlog older than mail_backlog_max_age are "degraded", a 200.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "endpoint.h"
#include "rl.h"
#include "redis.h"
#include "store_outbox.h"
#include "base_metric.h"

/* "YYYY-MM-DDTHH:MM:SSZ" of unix time t into out, or NULL for none. */
static const char *
rfc3339(uint64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return NULL;
	return out;
}

/*
 * The mail check: "ok", or "degraded" when the oldest waiting message was
 * queued more than mail_backlog_max_age seconds ago; its figures go into
 * *detail: the backlog (database) and the last delivery by a mailer of
 * this node (its counters). "unknown" without the database.
 */
static const char *
mail_check(const struct auth_ctx *ctx, json_object **detail)
{
	long long pending, age;
	char ts[32];
	const char *last;

	*detail = NULL;
	if (auth_store_outbox_backlog(&pending, &age) != AUTH_OK)
		return "unknown";
	last = rfc3339(auth_metric_value(AUTH_METRIC_MAIL_LAST_SENT), ts);
	*detail = auth_http_json_object();
	auth_http_json_add_int(*detail, "pending", pending);
	auth_http_json_add_int(*detail, "oldest_pending_age", age);
	auth_http_json_add_str(*detail, "last_sent_at", last);
	return age > ctx->cfg->mail_backlog_max_age ? "degraded" : "ok";
}

static enum auth_err
health(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	enum auth_err db, redis;
	bool redis_ok, mail_ok;
	json_object *j, *checks, *mail = NULL;
	const char *mail_state;

	(void)req;
	db = auth_store_ping();
	redis = auth_redis_ping();
	/* Without Redis the limits are kept per process: degraded, not down. */
	redis_ok = redis == AUTH_OK && !auth_rl_degraded();
	mail_state = db == AUTH_OK ? mail_check(ctx, &mail) : "unknown";
	mail_ok = strcmp(mail_state, "degraded") != 0;
	j = auth_http_json_object();
	checks = auth_http_json_object();
	auth_http_json_add_str(checks, "db",
	    db == AUTH_OK ? "ok" : "unavailable");
	auth_http_json_add_str(checks, "redis", redis_ok ? "ok" : "degraded");
	auth_http_json_add_str(checks, "mail", mail_state);
	auth_http_json_add_str(j, "status", db != AUTH_OK ? "unavailable" :
	    redis_ok && mail_ok ? "ok" : "degraded");
	auth_http_json_add(j, "checks", checks);
	if (mail != NULL)
		auth_http_json_add(j, "mail", mail);
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
