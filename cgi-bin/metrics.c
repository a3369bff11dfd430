/*
 * GET /auth/metrics: the node's counters (base_metric.h, added to by every
 * process of the node) in the Prometheus text format, with the outbox's
 * backlog and the reach of PostgreSQL and Redis measured at scrape time.
 * Answered only to client addresses in metrics_allow; 403 to others.
 */
#include "endpoint.h"
#include "http_addr.h"
#include "redis.h"
#include "store_outbox.h"
#include "base_buf.h"
#include "base_metric.h"

#define METRICS_TEXT_MAX	(1024 * 1024)
#define METRICS_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

/* One gauge with its HELP and TYPE lines. */
static void
gauge(struct auth_buf *b, const char *name, const char *help, long long v)
{
	auth_buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n%s %lld\n", name,
	    help, name, name, v);
}

/* What the scrape measures itself: the outbox, PostgreSQL, Redis. */
static void
scrape_gauges(struct auth_buf *b)
{
	long long pending, age;
	bool db_up;

	db_up = auth_store_outbox_backlog(&pending, &age) == AUTH_OK;
	if (db_up) {
		gauge(b, "authd_outbox_pending", "Messages waiting for "
		    "delivery or a retry.", pending);
		gauge(b, "authd_outbox_oldest_pending_age_seconds", "Seconds "
		    "since the oldest waiting message was queued (0: none).",
		    age);
	}
	gauge(b, "authd_db_up", "Whether this scrape reached PostgreSQL.",
	    db_up);
	gauge(b, "authd_redis_up", "Whether this scrape reached Redis (else "
	    "the limits are kept per process).",
	    auth_redis_ping() == AUTH_OK);
}

static enum auth_err
metrics(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	struct auth_cidr allow[AUTH_CIDRS_MAX];
	struct auth_buf b = AUTH_BUF_INIT(METRICS_TEXT_MAX);
	enum auth_err e = AUTH_ERR_INTERNAL;
	int n;

	n = auth_http_cidr_parse_list(ctx->cfg->metrics_allow, allow,
	    AUTH_CIDRS_MAX);
	if (n <= 0 || !auth_http_cidr_match(allow, (size_t)n, req->client_ip))
		return AUTH_ERR_FORBIDDEN;
	/* Without the node's file, this process's view would be a lie. */
	if (!auth_metric_on())
		return AUTH_ERR_UNAVAILABLE;
	if (!auth_metric_render(&b))
		goto out;
	scrape_gauges(&b);
	if (b.failed || auth_http_resp_html(rs, 200, b.p, b.len) != 0)
		goto out;
	rs->content_type = METRICS_CONTENT_TYPE;
	e = AUTH_OK;
out:
	auth_buf_free(&b);
	return e;
}

static const struct auth_route routes[] = {
	{ "/auth/metrics", false, NULL, AUTH_M(AUTH_GET), 0, metrics },
};

static const struct auth_endpoint endpoint = {
	.name = "metrics",
	AUTH_ENDPOINT_ROUTES(routes),
	.needs_db = true,
};

AUTH_ENDPOINT_MAIN(endpoint)
