/* The process's one Redis connection: lazy connect, drop on any failure. */
#include <sys/time.h>

#include <signal.h>
#include <stdbool.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "base_metric.h"
#include "base_num.h"
#include "log.h"
#include "redis.h"

static struct {
	struct auth_redis_addr	 addr;
	bool			 valid;		/* addr parsed from the config */
	unsigned		 timeout_ms;
	redisContext		*ctx;
} rs;

/* Strict decimal of at most 5 digits in [lo, hi]; returns it or -1. */
static int
parse_small(const char *s, size_t len, int lo, int hi)
{
	unsigned long long	v;

	if (len > 5 || auth_parse_numn(s, len, (unsigned long long)lo,
	    (unsigned long long)hi, &v, NULL) == -1)
		return -1;
	return (int)v;
}

int
auth_redis_parse_url(const char *url, struct auth_redis_addr *addr)
{
	const char	*p, *host, *end;
	size_t		 hostlen;
	bool		 v6 = false;

	memset(addr, 0, sizeof(*addr));
	addr->port = 6379;
	if (strncmp(url, "unix:", 5) == 0) {
		p = url + 5;
		if (p[0] != '/' || strlen(p) >= sizeof(addr->host))
			return -1;
		addr->is_unix = true;
		memcpy(addr->host, p, strlen(p) + 1);
		return 0;
	}
	if (strncmp(url, "redis://", 8) != 0)
		return -1;
	p = url + 8;
	if (*p == '[') {
		host = p + 1;
		if ((end = strchr(host, ']')) == NULL)
			return -1;
		hostlen = (size_t)(end - host);
		p = end + 1;
		v6 = true;
	} else {
		host = p;
		hostlen = strcspn(p, ":/");
		p += hostlen;
	}
	if (hostlen == 0 || hostlen >= sizeof(addr->host))
		return -1;
	if (strspn(host, v6 ? "0123456789abcdefABCDEF:." :
	    "0123456789abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ.-_") < hostlen)
		return -1;
	memcpy(addr->host, host, hostlen);
	addr->host[hostlen] = '\0';
	if (*p == ':') {
		p++;
		end = p + strcspn(p, "/");
		if ((addr->port = parse_small(p, (size_t)(end - p), 1,
		    65535)) == -1)
			return -1;
		p = end;
	}
	if (*p == '/') {
		p++;
		if ((addr->db = parse_small(p, strlen(p), 0, 9999)) == -1)
			return -1;
		p += strlen(p);
	}
	return *p == '\0' ? 0 : -1;
}

/*
 * hiredis writes with write(2): a server that closed the connection would
 * kill the process with SIGPIPE. Ignore it unless someone installed a handler.
 */
static void
redis_ignore_sigpipe(void)
{
	struct sigaction	sa;

	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL) {
		sa.sa_handler = SIG_IGN;
		sa.sa_flags = 0;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGPIPE, &sa, NULL);
	}
}

void
auth_redis_init(const struct auth_config *cfg)
{
	auth_redis_close();
	redis_ignore_sigpipe();
	rs.timeout_ms = cfg->redis_timeout_ms;
	rs.valid = auth_redis_parse_url(cfg->redis_url, &rs.addr) == 0;
	if (!rs.valid)
		auth_log_error(NULL, "redis: redis_url is not usable");
}

void
auth_redis_close(void)
{
	if (rs.ctx != NULL)
		redisFree(rs.ctx);
	rs.ctx = NULL;
}

void
auth_redis_failed(void)
{
	auth_metric_add(AUTH_METRIC_REDIS_ERRORS, 1);
	if (rs.ctx != NULL && rs.ctx->err != 0)
		auth_log_error(NULL, "redis: %s", rs.ctx->errstr);
	auth_redis_close();
}

/* Opens rs.ctx, sets the command timeout and selects the database. */
static int
redis_connect(void)
{
	struct timeval	 tv;
	redisReply	*reply = NULL;
	int		 rc = -1;

	tv.tv_sec = rs.timeout_ms / 1000;
	tv.tv_usec = (suseconds_t)(rs.timeout_ms % 1000) * 1000;
	if (rs.addr.is_unix)
		rs.ctx = redisConnectUnixWithTimeout(rs.addr.host, tv);
	else
		rs.ctx = redisConnectWithTimeout(rs.addr.host, rs.addr.port,
		    tv);
	if (rs.ctx == NULL) {
		auth_log_error(NULL, "redis: out of memory");
		goto out;
	}
	if (rs.ctx->err != 0) {
		auth_log_error(NULL, "redis: connect: %s", rs.ctx->errstr);
		goto out;
	}
	if (redisSetTimeout(rs.ctx, tv) != REDIS_OK) {
		auth_log_error(NULL, "redis: cannot set timeout");
		goto out;
	}
	if (rs.addr.db != 0) {
		reply = redisCommand(rs.ctx, "SELECT %d", rs.addr.db);
		if (reply == NULL || reply->type != REDIS_REPLY_STATUS ||
		    strcmp(reply->str, "OK") != 0) {
			auth_log_error(NULL, "redis: SELECT %d failed",
			    rs.addr.db);
			goto out;
		}
	}
	rc = 0;
out:
	if (reply != NULL)
		freeReplyObject(reply);
	if (rc == -1) {
		auth_metric_add(AUTH_METRIC_REDIS_ERRORS, 1);
		auth_redis_close();
	}
	return rc;
}

redisContext *
auth_redis_conn(void)
{
	if (!rs.valid)
		return NULL;
	if (rs.ctx != NULL && rs.ctx->err != 0)
		auth_redis_failed();
	if (rs.ctx == NULL && redis_connect() == -1)
		return NULL;
	return rs.ctx;
}

/* PING; a connection that broke while idle is re-opened once. */
enum auth_err
auth_redis_ping(void)
{
	redisContext	*c;
	redisReply	*reply = NULL;
	enum auth_err	 rc = AUTH_ERR_UNAVAILABLE;
	bool		 stale;
	int		 attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		stale = rs.ctx != NULL;
		if ((c = auth_redis_conn()) == NULL)
			goto out;
		if ((reply = redisCommand(c, "PING")) != NULL)
			break;
		auth_redis_failed();
		if (!stale)
			goto out;
	}
	if (reply != NULL && reply->type == REDIS_REPLY_STATUS &&
	    strcmp(reply->str, "PONG") == 0)
		rc = AUTH_OK;
out:
	if (reply != NULL)
		freeReplyObject(reply);
	return rc;
}

/* ---- configuration ------------------------------------------------------ */

static const char *
redis_check_url(char *s)
{
	struct auth_redis_addr	addr;

	if (auth_redis_parse_url(s, &addr) == -1)
		return "must be redis://host[:port][/db] or unix:/path";
	return NULL;
}

static const struct auth_cfg_key redis_keys[] = {
	AUTH_CFG_STR(redis_url, redis_check_url, "redis://127.0.0.1:6379"),
	AUTH_CFG_NUM(redis_timeout_ms, AUTH_CFG_T_UINT, 1, 60000, "200"),
};

const struct auth_cfg_module auth_redis_cfg =
    AUTH_CFG_MODULE(redis_keys, NULL);
