/* The process's one Redis connection: lazy connect, drop on any failure. */
#include <sys/time.h>

#include <signal.h>
#include <stdbool.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "base_metric.h"
#include "base_num.h"
#include "base_secret.h"
#include "log.h"
#include "redis.h"

#define REDIS_SENTINELS_MAX	8

struct redis_hostport {
	char	host[256];
	int	port;
};

static struct {
	struct auth_redis_addr	 addr;
	bool			 valid;		/* addr parsed from the config */
	unsigned		 timeout_ms;
	redisContext		*ctx;
	struct redis_hostport	 sentinel[REDIS_SENTINELS_MAX];
	size_t			 nsentinels;	/* 0: addr's host and port */
	char			 master_name[128];
	struct redis_hostport	 master;	/* the sentinels' last answer */
} rs;

static int redis_parse_sentinels(const char *s, struct redis_hostport *out,
    size_t max);

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

/*
 * Decodes the len bytes of s (percent-encoding allowed; no NUL, no
 * separator of the URL) into out (outsz bytes, NUL-terminated). 0 or -1.
 */
static int
redis_pct_decode(const char *s, size_t len, char *out, size_t outsz)
{
	static const char	 hexd[] = "0123456789abcdef";
	const char		*h, *l;
	size_t			 i, n = 0;

	for (i = 0; i < len; i++) {
		if (n + 1 >= outsz || strchr(":@/", s[i]) != NULL)
			return -1;
		if (s[i] != '%') {
			out[n++] = s[i];
			continue;
		}
		if (i + 2 >= len ||
		    (h = strchr(hexd, s[i + 1] | 0x20)) == NULL ||
		    (l = strchr(hexd, s[i + 2] | 0x20)) == NULL ||
		    (h == hexd && l == hexd))
			return -1;
		out[n++] = (char)((h - hexd) << 4 | (l - hexd));
		i += 2;
	}
	out[n] = '\0';
	return 0;
}

/* The "[user]:password@" of a URL's authority ending at at; 0 or -1. */
static int
redis_parse_userinfo(const char *p, const char *at, struct auth_redis_addr *a)
{
	const char	*colon;

	if ((colon = memchr(p, ':', (size_t)(at - p))) == NULL)
		return redis_pct_decode(p, (size_t)(at - p), a->user,
		    sizeof(a->user));
	if (redis_pct_decode(p, (size_t)(colon - p), a->user,
	    sizeof(a->user)) == -1)
		return -1;
	colon++;
	return redis_pct_decode(colon, (size_t)(at - colon), a->pass,
	    sizeof(a->pass));
}

int
auth_redis_parse_url(const char *url, struct auth_redis_addr *addr)
{
	const char	*p, *host, *end, *at;
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
	if ((at = strrchr(p, '@')) != NULL) {
		if (redis_parse_userinfo(p, at, addr) == -1)
			goto bad;
		p = at + 1;
	}
	if (*p == '[') {
		host = p + 1;
		if ((end = strchr(host, ']')) == NULL)
			goto bad;
		hostlen = (size_t)(end - host);
		p = end + 1;
		v6 = true;
	} else {
		host = p;
		hostlen = strcspn(p, ":/");
		p += hostlen;
	}
	if (hostlen == 0 || hostlen >= sizeof(addr->host))
		goto bad;
	if (strspn(host, v6 ? "0123456789abcdefABCDEF:." :
	    "0123456789abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ.-_") < hostlen)
		goto bad;
	memcpy(addr->host, host, hostlen);
	addr->host[hostlen] = '\0';
	if (*p == ':') {
		p++;
		end = p + strcspn(p, "/");
		if ((addr->port = parse_small(p, (size_t)(end - p), 1,
		    65535)) == -1)
			goto bad;
		p = end;
	}
	if (*p == '/') {
		p++;
		if ((addr->db = parse_small(p, strlen(p), 0, 9999)) == -1)
			goto bad;
		p += strlen(p);
	}
	if (*p == '\0')
		return 0;
bad:
	auth_wipe(addr->pass, sizeof(addr->pass));
	return -1;
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

/*
 * The first line of redis_password_file into rs.addr.pass (it wins over a
 * password in redis_url). 0, or -1 logged.
 */
static int
redis_read_password(const char *path)
{
	unsigned char	*data = NULL;
	char		 err[256];
	size_t		 len = 0, line;
	int		 rc = -1;

	if (auth_key_file_read(path, sizeof(rs.addr.pass) - 1, true, &data,
	    &len, err, sizeof(err)) == -1) {
		auth_log_error(NULL, "redis: redis_password_file %s", err);
		goto out;
	}
	if ((line = strcspn((const char *)data, "\r\n")) == 0 ||
	    memchr(data, '\0', line) != NULL) {
		auth_log_error(NULL, "redis: redis_password_file: no password "
		    "on its first line");
		goto out;
	}
	auth_wipe(rs.addr.pass, sizeof(rs.addr.pass));
	memcpy(rs.addr.pass, data, line);
	rc = 0;
out:
	auth_wipe_free(data, len);
	return rc;
}

void
auth_redis_init(const struct auth_config *cfg)
{
	int	n;

	auth_redis_close();
	redis_ignore_sigpipe();
	rs.timeout_ms = cfg->redis_timeout_ms;
	rs.valid = auth_redis_parse_url(cfg->redis_url, &rs.addr) == 0;
	if (!rs.valid)
		auth_log_error(NULL, "redis: redis_url is not usable");
	if (rs.valid && cfg->redis_password_file[0] != '\0' &&
	    redis_read_password(cfg->redis_password_file) == -1)
		rs.valid = false;
	rs.nsentinels = 0;
	memset(&rs.master, 0, sizeof(rs.master));
	snprintf(rs.master_name, sizeof(rs.master_name), "%s",
	    cfg->redis_master_name);
	if (rs.valid && cfg->redis_sentinels[0] != '\0') {
		n = redis_parse_sentinels(cfg->redis_sentinels, rs.sentinel,
		    REDIS_SENTINELS_MAX);
		if (n <= 0 || rs.master_name[0] == '\0') {
			auth_log_error(NULL, "redis: redis_sentinels is not "
			    "usable");
			rs.valid = false;
		} else
			rs.nsentinels = (size_t)n;
	}
	if (!rs.valid)
		auth_wipe(rs.addr.pass, sizeof(rs.addr.pass));
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

/*
 * AUTH on rs.ctx when a password is configured: "AUTH user password" for
 * an ACL user, else "AUTH password". 0, or -1 logged (never the password).
 */
static int
redis_auth(void)
{
	redisReply	*reply = NULL;
	int		 rc = -1;

	if (rs.addr.pass[0] == '\0') {
		if (rs.addr.user[0] == '\0')
			return 0;
		auth_log_error(NULL, "redis: user %s has no password (in "
		    "redis_url or redis_password_file)", rs.addr.user);
		return -1;
	}
	if (rs.addr.user[0] != '\0')
		reply = redisCommand(rs.ctx, "AUTH %s %s", rs.addr.user,
		    rs.addr.pass);
	else
		reply = redisCommand(rs.ctx, "AUTH %s", rs.addr.pass);
	if (reply == NULL) {
		auth_log_error(NULL, "redis: AUTH: %s", rs.ctx->errstr);
		goto out;
	}
	if (reply->type != REDIS_REPLY_STATUS || strcmp(reply->str, "OK") != 0) {
		auth_log_error(NULL, "redis: AUTH refused: %.*s",
		    reply->type == REDIS_REPLY_ERROR ? 80 : 0,
		    reply->type == REDIS_REPLY_ERROR ? reply->str : "");
		goto out;
	}
	rc = 0;
out:
	if (reply != NULL)
		freeReplyObject(reply);
	return rc;
}

/*
 * Parses "host:port, [v6addr]:port, ..." (at most max) into out. Returns
 * the count, or -1.
 */
static int
redis_parse_sentinels(const char *s, struct redis_hostport *out, size_t max)
{
	struct auth_redis_addr	 a;
	char			 url[300];
	size_t			 n = 0, len;
	int			 rc = 0;

	while (rc == 0) {
		s += strspn(s, " \t,");
		if (*s == '\0')
			break;
		len = strcspn(s, " \t,");
		if (n == max || len > 280 || memchr(s, '/', len) != NULL ||
		    memchr(s, '@', len) != NULL)
			return -1;
		snprintf(url, sizeof(url), "redis://%.*s", (int)len, s);
		rc = auth_redis_parse_url(url, &a);
		auth_wipe(a.pass, sizeof(a.pass));
		memcpy(out[n].host, a.host, sizeof(out[n].host));
		out[n++].port = a.port;
		s += len;
	}
	return rc == 0 ? (int)n : -1;
}

/*
 * Asks the sentinels in turn for the address of the master rs.master_name
 * into rs.master (logged when it changes). 0, or -1 logged.
 */
static int
redis_sentinel_master(struct timeval tv)
{
	struct redis_hostport	 m;
	redisContext		*c;
	redisReply		*r;
	size_t			 i;
	int			 rc = -1;

	for (i = 0; i < rs.nsentinels && rc == -1; i++) {
		r = NULL;
		c = redisConnectWithTimeout(rs.sentinel[i].host,
		    rs.sentinel[i].port, tv);
		if (c != NULL && c->err == 0 &&
		    redisSetTimeout(c, tv) == REDIS_OK)
			r = redisCommand(c, "SENTINEL get-master-addr-by-name %s",
			    rs.master_name);
		if (r != NULL && r->type == REDIS_REPLY_ARRAY &&
		    r->elements == 2 &&
		    r->element[0]->type == REDIS_REPLY_STRING &&
		    r->element[1]->type == REDIS_REPLY_STRING &&
		    r->element[0]->len < sizeof(m.host) &&
		    (m.port = parse_small(r->element[1]->str,
		    r->element[1]->len, 1, 65535)) != -1) {
			memcpy(m.host, r->element[0]->str,
			    r->element[0]->len + 1);
			rc = 0;
		}
		if (r != NULL)
			freeReplyObject(r);
		if (c != NULL)
			redisFree(c);
	}
	if (rc == -1) {
		auth_log_error(NULL, "redis: no sentinel names a master %s",
		    rs.master_name);
		return -1;
	}
	if (strcmp(m.host, rs.master.host) != 0 || m.port != rs.master.port)
		auth_log_info(NULL, "redis: master %s is %s:%d",
		    rs.master_name, m.host, m.port);
	rs.master = m;
	return 0;
}

/*
 * False if the server says it is no master (a sentinel's answer from
 * before a failover). An ACL user without ROLE is taken at its word.
 */
static bool
redis_is_master(void)
{
	redisReply	*r;
	bool		 ok;

	if ((r = redisCommand(rs.ctx, "ROLE")) == NULL)
		return false;
	ok = (r->type == REDIS_REPLY_ERROR && strncmp(r->str, "NOPERM", 6) ==
	    0) || (r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
	    r->element[0]->type == REDIS_REPLY_STRING &&
	    strcmp(r->element[0]->str, "master") == 0);
	freeReplyObject(r);
	if (!ok)
		auth_log_error(NULL, "redis: %s:%d is no master (yet)",
		    rs.master.host, rs.master.port);
	return ok;
}

/* Opens rs.ctx to redis_url's server or the sentinels' master. */
static void
redis_open(struct timeval tv)
{
	if (rs.nsentinels > 0) {
		if (redis_sentinel_master(tv) == 0)
			rs.ctx = redisConnectWithTimeout(rs.master.host,
			    rs.master.port, tv);
	} else if (rs.addr.is_unix)
		rs.ctx = redisConnectUnixWithTimeout(rs.addr.host, tv);
	else
		rs.ctx = redisConnectWithTimeout(rs.addr.host, rs.addr.port,
		    tv);
}

/*
 * Opens rs.ctx, sets the command timeout, AUTH, checks that a sentinels'
 * master is one, selects the database. 0, or -1 logged.
 */
static int
redis_connect(void)
{
	struct timeval	 tv;
	redisReply	*reply = NULL;
	int		 rc = -1;

	tv.tv_sec = rs.timeout_ms / 1000;
	tv.tv_usec = (suseconds_t)(rs.timeout_ms % 1000) * 1000;
	redis_open(tv);
	if (rs.ctx == NULL && rs.nsentinels > 0)
		goto out;
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
	if (redis_auth() == -1)
		goto out;
	if (rs.nsentinels > 0 && !redis_is_master())
		goto out;
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
	int			rc;

	/* Debian 12's hiredis (0.14) has no TLS: nothing to verify with. */
	if (strncmp(s, "rediss://", 9) == 0)
		return "rediss:// (TLS) is not available: this build's hiredis "
		    "has no TLS support; use redis:// on a trusted network or "
		    "unix:/path";
	rc = auth_redis_parse_url(s, &addr);
	auth_wipe(addr.pass, sizeof(addr.pass));
	if (rc == -1)
		return "must be redis://[[user]:password@]host[:port][/db] or "
		    "unix:/path";
	return NULL;
}

static const char *
redis_check_sentinels(char *s)
{
	struct redis_hostport	hp[REDIS_SENTINELS_MAX];

	if (*s != '\0' && redis_parse_sentinels(s, hp, REDIS_SENTINELS_MAX) <= 0)
		return "must be a list of at most 8 host:port";
	return NULL;
}

static const char *
redis_validate(const struct auth_config *c, const char **key)
{
	if (c->redis_sentinels[0] != '\0' && c->redis_master_name[0] == '\0') {
		*key = "redis_sentinels";
		return "redis_sentinels requires redis_master_name";
	}
	if (c->redis_sentinels[0] != '\0' &&
	    strncmp(c->redis_url, "unix:", 5) == 0) {
		*key = "redis_url";
		return "with redis_sentinels, redis_url must be redis://";
	}
	return NULL;
}

static const struct auth_cfg_key redis_keys[] = {
	AUTH_CFG_STR(redis_url, redis_check_url, "redis://127.0.0.1:6379"),
	AUTH_CFG_NUM(redis_timeout_ms, AUTH_CFG_T_UINT, 1, 60000, "200"),
	AUTH_CFG_STR(redis_password_file, NULL, ""),
	AUTH_CFG_STR(redis_sentinels, redis_check_sentinels, ""),
	AUTH_CFG_STR(redis_master_name, NULL, ""),
};

const struct auth_cfg_module auth_redis_cfg =
    AUTH_CFG_MODULE(redis_keys, redis_validate);
