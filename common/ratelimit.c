/*
 * Rate limits (GCRA) and per-account brute-force delays, on Redis with
 * one script call per operation, falling back to fixed-size in-process
 * tables while Redis is unreachable or slow.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>
#include <openssl/evp.h>

#include "log.h"
#include "ratelimit.h"
#include "redis.h"
#include "base_clock.h"
#include "base_codec.h"
#include "base_num.h"
#include "base_secret.h"

#define RL_HEX		32		/* hex chars of a subject hash */
#define RL_KEY_MAX	128		/* a Redis key, NUL included */
#define RL_NORM_MAX	320		/* normalised subject buffer */
#define RL_RETRY_MS	1000		/* Redis retry interval while degraded */
#define RL_LOG_MS	30000		/* outage log interval */
#define RL_MEM_PROBE	8		/* slots looked at per lookup */
#define RL_SECRET_LEN	16

const struct auth_rl_rule auth_rl_known_rules[AUTH_RL_ID__MAX] = {
	[AUTH_RL_LOGIN_IP] = { "login_ip", AUTH_RL_IP, 5, 60 },
	[AUTH_RL_LOGIN_ACCOUNT] = { "login_account", AUTH_RL_ACCOUNT, 20, 3600 },
	[AUTH_RL_SIGNUP_IP] = { "signup_ip", AUTH_RL_IP, 3, 60 },
	[AUTH_RL_REFRESH_IP] = { "refresh_ip", AUTH_RL_IP, 10, 60 },
	[AUTH_RL_REFRESH_SESSION] = { "refresh_session", AUTH_RL_SESSION, 10, 60 },
	[AUTH_RL_VERIFY_IP] = { "verify_ip", AUTH_RL_IP, 10, 60 },
	[AUTH_RL_VERIFY_RESEND_IP] = { "verify_resend_ip", AUTH_RL_IP, 5, 3600 },
	[AUTH_RL_VERIFY_RESEND_ACCOUNT] = { "verify_resend_account",
	    AUTH_RL_ACCOUNT, 3, 3600 },
	[AUTH_RL_FORGOT_IP] = { "forgot_ip", AUTH_RL_IP, 5, 3600 },
	[AUTH_RL_FORGOT_ACCOUNT] = { "forgot_account", AUTH_RL_ACCOUNT, 3, 3600 },
	[AUTH_RL_RESET_IP] = { "reset_ip", AUTH_RL_IP, 10, 60 },
	[AUTH_RL_LOGOUT_IP] = { "logout_ip", AUTH_RL_IP, 30, 60 },
};

/*
 * GCRA in microseconds of the Redis clock. ARGV: emission interval T,
 * tolerance tau (= T * limit). The key holds the theoretical arrival time
 * and expires when it is reached. Returns {allowed, remaining, reset_us,
 * retry_us}.
 */
static const char rl_gcra_lua[] =
	"local t = redis.call('TIME')\n"
	"local now = tonumber(t[1]) * 1000000 + tonumber(t[2])\n"
	"local T = tonumber(ARGV[1])\n"
	"local tau = tonumber(ARGV[2])\n"
	"local tat = tonumber(redis.call('GET', KEYS[1]) or 0) or 0\n"
	"if tat < now then tat = now end\n"
	"local new = tat + T\n"
	"local allow_at = new - tau\n"
	"if now < allow_at then\n"
	"  return {0, 0, tat - now, allow_at - now}\n"
	"end\n"
	"redis.call('SET', KEYS[1], string.format('%.0f', new), 'PX',\n"
	"  string.format('%.0f', math.ceil((new - now) / 1000)))\n"
	"return {1, math.floor((now - allow_at) / T), new - now, 0}\n";

/*
 * One failed login. ARGV: threshold, cap_ms, window_ms. Returns {n,
 * delay_ms}; delay_ms > 0 when this failure set a lockout.
 */
static const char rl_fail_lua[] =
	"local t = redis.call('TIME')\n"
	"local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
	"local thr = tonumber(ARGV[1])\n"
	"local cap = tonumber(ARGV[2])\n"
	"local n = redis.call('HINCRBY', KEYS[1], 'n', 1)\n"
	"local delay = 0\n"
	"if n >= thr then\n"
	"  local e = n - thr\n"
	"  if e > 40 then e = 40 end\n"
	"  delay = 1000 * 2 ^ e\n"
	"  if delay > cap then delay = cap end\n"
	"  redis.call('HSET', KEYS[1], 'until', string.format('%.0f', now + delay))\n"
	"end\n"
	"redis.call('PEXPIRE', KEYS[1], string.format('%.0f',\n"
	"  tonumber(ARGV[3]) + delay))\n"
	"return {n, delay}\n";

/* The login gate: ms left in the account's lockout, 0 if none or if the
 * known-good key KEYS[2] (optional) exists. */
static const char rl_gate_lua[] =
	"if KEYS[2] and redis.call('EXISTS', KEYS[2]) == 1 then return -1 end\n"
	"local u = tonumber(redis.call('HGET', KEYS[1], 'until') or 0) or 0\n"
	"local t = redis.call('TIME')\n"
	"local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
	"if u <= now then return 0 end\n"
	"return u - now\n";

/* A successful login: forget the failures, remember the address. */
static const char rl_ok_lua[] =
	"redis.call('DEL', KEYS[1])\n"
	"if KEYS[2] then redis.call('SET', KEYS[2], '1', 'EX', ARGV[1]) end\n"
	"return 1\n";

enum rl_script {
	RL_GCRA = 0,
	RL_FAIL,
	RL_GATE,
	RL_OK,
	RL_SCRIPT__MAX
};

static const char *const rl_scripts[RL_SCRIPT__MAX] = {
	rl_gcra_lua, rl_fail_lua, rl_gate_lua, rl_ok_lua
};

/* One in-process entry; free once expires (monotonic us) has passed. */
struct rl_slot {
	unsigned char	key[16];
	int64_t		expires;
	int64_t		a;	/* GCRA: TAT; failures: count */
	int64_t		b;	/* failures: locked until */
};

#define RL_MEM_GCRA	4096
#define RL_MEM_FAIL	2048
#define RL_MEM_KNOWN	2048

static struct {
	unsigned	limit[AUTH_RL_ID__MAX];		/* 0: no override */
	unsigned	period[AUTH_RL_ID__MAX];
	unsigned	threshold;
	unsigned	lockout_max;			/* seconds */
	bool		off;		/* rate_limits = off: no check at all */
	char		sha[RL_SCRIPT__MAX][41];
	unsigned char	secret[RL_SECRET_LEN];		/* in-process key salt */
	bool		degraded;
	bool		last_ok;	/* last Redis call succeeded */
	bool		logged;
	int64_t		retry_at;	/* monotonic ms */
	int64_t		logged_at;
	struct rl_slot	gcra[RL_MEM_GCRA];
	struct rl_slot	fail[RL_MEM_FAIL];
	struct rl_slot	known[RL_MEM_KNOWN];
} rl = { .threshold = 5, .lockout_max = 900 };

/* Whole seconds, rounded up. */
static unsigned
us_to_s(int64_t us)
{
	if (us <= 0)
		return 0;
	if (us / 1000000 >= UINT32_MAX)
		return UINT32_MAX;
	return (unsigned)((us + 999999) / 1000000);
}

/* ---- rules and overrides ------------------------------------------------ */

const struct auth_rl_rule *
auth_rl_rule(const char *name)
{
	size_t	i;

	for (i = 0; i < AUTH_RL_ID__MAX; i++)
		if (strcmp(auth_rl_known_rules[i].name, name) == 0)
			return &auth_rl_known_rules[i];
	return NULL;
}

/* Index of a known rule by pointer, else by name; -1 if unknown. */
static int
rl_index(const struct auth_rl_rule *r)
{
	const struct auth_rl_rule	*k;

	if (r >= auth_rl_known_rules &&
	    r < auth_rl_known_rules + AUTH_RL_ID__MAX)
		return (int)(r - auth_rl_known_rules);
	if (r->name != NULL && (k = auth_rl_rule(r->name)) != NULL)
		return (int)(k - auth_rl_known_rules);
	return -1;
}

static const char *
skip_spaces(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Strict decimal of at most 10 digits in [1, max]; advances *pp. */
static int
parse_count(const char **pp, unsigned max, unsigned *out)
{
	size_t			 n = strspn(*pp, "0123456789");
	unsigned long long	 v;

	if (n > 10 || auth_parse_numn(*pp, n, 1, max, &v, NULL) == -1)
		return -1;
	*pp += n;
	*out = (unsigned)v;
	return 0;
}

/*
 * Parses a rate_limits value into limit/period (0 where not given), and
 * *off (the value "off": nothing is limited).
 */
static const char *
rl_parse(const char *spec, unsigned limit[AUTH_RL_ID__MAX],
    unsigned period[AUTH_RL_ID__MAX], bool *off)
{
	char		 name[AUTH_RL_NAME_MAX + 1];
	const char	*p = spec;
	size_t		 n;
	int		 id;

	memset(limit, 0, sizeof(unsigned) * AUTH_RL_ID__MAX);
	memset(period, 0, sizeof(unsigned) * AUTH_RL_ID__MAX);
	*off = false;
	p = skip_spaces(p);
	if (*p == '\0')
		return NULL;
	if (strncmp(p, "off", 3) == 0 && *skip_spaces(p + 3) == '\0') {
		*off = true;
		return NULL;
	}
	for (;;) {
		n = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_");
		if (n == 0)
			return "must be a list of name=limit/period";
		if (n > AUTH_RL_NAME_MAX)
			return "names an unknown rule";
		memcpy(name, p, n);
		name[n] = '\0';
		if (auth_rl_rule(name) == NULL)
			return "names an unknown rule";
		id = (int)(auth_rl_rule(name) - auth_rl_known_rules);
		if (limit[id] != 0)
			return "names a rule twice";
		p = skip_spaces(p + n);
		if (*p++ != '=')
			return "must be a list of name=limit/period";
		p = skip_spaces(p);
		if (parse_count(&p, AUTH_RL_LIMIT_MAX, &limit[id]) == -1)
			return "has a limit that is not 1..1000000";
		p = skip_spaces(p);
		if (*p++ != '/')
			return "must be a list of name=limit/period";
		p = skip_spaces(p);
		if (parse_count(&p, AUTH_RL_PERIOD_MAX, &period[id]) == -1)
			return "has a period that is not 1..86400 seconds";
		p = skip_spaces(p);
		if (*p == '\0')
			return NULL;
		if (*p++ != ',')
			return "must be a list of name=limit/period";
		p = skip_spaces(p);
	}
}

const char *
auth_rl_overrides_check(const char *spec)
{
	unsigned	limit[AUTH_RL_ID__MAX], period[AUTH_RL_ID__MAX];
	bool		off;

	return rl_parse(spec, limit, period, &off);
}

void
auth_rl_effective(const struct auth_rl_rule *r, unsigned *limit,
    unsigned *period)
{
	int	id = rl_index(r);

	*limit = r->limit;
	*period = r->period;
	if (id >= 0 && rl.limit[id] != 0) {
		*limit = rl.limit[id];
		*period = rl.period[id];
	}
	if (*limit < 1)
		*limit = 1;
	if (*limit > AUTH_RL_LIMIT_MAX)
		*limit = AUTH_RL_LIMIT_MAX;
	if (*period < 1)
		*period = 1;
	if (*period > AUTH_RL_PERIOD_MAX)
		*period = AUTH_RL_PERIOD_MAX;
}

int
auth_rl_init(const struct auth_config *cfg, char *err, size_t errlen)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned	 mdlen;
	const char	*why;
	size_t		 i;

	if ((why = rl_parse(cfg->rate_limits, rl.limit, rl.period, &rl.off))
	    != NULL) {
		snprintf(err, errlen, "rate_limits %s", why);
		return -1;
	}
	rl.threshold = cfg->login_lockout_threshold;
	rl.lockout_max = cfg->login_lockout_max;
	for (i = 0; i < RL_SCRIPT__MAX; i++) {
		if (EVP_Digest(rl_scripts[i], strlen(rl_scripts[i]), md,
		    &mdlen, EVP_sha1(), NULL) != 1 || mdlen != 20) {
			snprintf(err, errlen, "ratelimit: SHA-1 unavailable");
			return -1;
		}
		auth_hex(md, 20, rl.sha[i]);
	}
	if (auth_random_bytes(rl.secret, sizeof(rl.secret)) == -1) {
		snprintf(err, errlen, "ratelimit: no random bytes");
		return -1;
	}
	memset(rl.gcra, 0, sizeof(rl.gcra));
	memset(rl.fail, 0, sizeof(rl.fail));
	memset(rl.known, 0, sizeof(rl.known));
	rl.degraded = rl.logged = rl.last_ok = false;
	rl.retry_at = rl.logged_at = 0;
	return 0;
}

/* ---- subjects and keys -------------------------------------------------- */

/*
 * Canonical text of an address: IPv4 (also when IPv4-mapped) as is, IPv6
 * as its /64 prefix. Returns the length, or 0 if s is not an address.
 */
static size_t
rl_norm_ip(const char *s, size_t len, char *out, size_t outsz)
{
	char		buf[INET6_ADDRSTRLEN + 1];
	unsigned char	a[16];

	if (len >= sizeof(buf))
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, a) == 1) {
		if (inet_ntop(AF_INET, a, out, (socklen_t)outsz) == NULL)
			return 0;
		return strlen(out);
	}
	if (inet_pton(AF_INET6, buf, a) != 1)
		return 0;
	if (IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)(void *)a)) {
		if (inet_ntop(AF_INET, a + 12, out, (socklen_t)outsz) == NULL)
			return 0;
		return strlen(out);
	}
	memset(a + 8, 0, 8);
	if (inet_ntop(AF_INET6, a, out, (socklen_t)outsz - 3) == NULL)
		return 0;
	strcat(out, "/64");
	return strlen(out);
}

/*
 * Writes to hex (RL_HEX + 1 bytes) the truncated SHA-256 of the subject's
 * normal form: cut at a first NUL; IP per rl_norm_ip; account trimmed and
 * ASCII-lowercased (an account too long for that is hashed as sent).
 */
static void
rl_subject(enum auth_rl_key kind, const char *s, size_t len,
    char hex[RL_HEX + 1])
{
	char			 norm[RL_NORM_MAX];
	const char		*p, *nul;
	unsigned char		 md[AUTH_HASH_LEN];
	size_t			 n, i;

	if (s == NULL) {
		s = "";
		len = 0;
	}
	if ((nul = memchr(s, '\0', len)) != NULL)
		len = (size_t)(nul - s);
	p = s;
	n = len;
	switch (kind) {
	case AUTH_RL_IP:
		if ((i = rl_norm_ip(s, len, norm, sizeof(norm))) > 0) {
			p = norm;
			n = i;
		}
		break;
	case AUTH_RL_ACCOUNT:
		while (n > 0 && strchr(" \t\r\n", *p) != NULL)
			p++, n--;
		while (n > 0 && strchr(" \t\r\n", p[n - 1]) != NULL)
			n--;
		if (n <= sizeof(norm)) {
			for (i = 0; i < n; i++)
				norm[i] = (p[i] >= 'A' && p[i] <= 'Z') ?
				    (char)(p[i] - 'A' + 'a') : p[i];
			p = norm;
		}
		break;
	default:
		break;
	}
	auth_sha256(p, n, md);
	auth_hex(md, RL_HEX / 2, hex);
}

/* A rule name safe in a key and a structured-field string. */
static const char *
rl_name(const struct auth_rl_rule *r)
{
	size_t	n;

	if (r->name == NULL)
		return "limit";
	n = strlen(r->name);
	if (n == 0 || n > AUTH_RL_NAME_MAX || strspn(r->name,
	    "abcdefghijklmnopqrstuvwxyz0123456789_-.") != n)
		return "limit";
	return r->name;
}

/* The in-process table key of a Redis key: salted, so not predictable. */
static void
mem_key(const char *rkey, unsigned char out[16])
{
	unsigned char	buf[RL_SECRET_LEN + RL_KEY_MAX], md[AUTH_HASH_LEN];
	size_t		n = strlen(rkey);

	memcpy(buf, rl.secret, RL_SECRET_LEN);
	memcpy(buf + RL_SECRET_LEN, rkey, n);
	auth_sha256(buf, RL_SECRET_LEN + n, md);
	memcpy(out, md, 16);
}

/*
 * The live slot for key, or with create a fresh one (zeroed but for the
 * key): an expired slot in the probe window, else the one expiring first.
 * Returns NULL only without create. nslots is a power of two.
 */
static struct rl_slot *
mem_slot(struct rl_slot *t, size_t nslots, const char *rkey, int64_t now,
    bool create)
{
	struct rl_slot	*s, *victim = NULL;
	unsigned char	 key[16];
	size_t		 start, i;

	mem_key(rkey, key);
	start = ((size_t)key[0] | (size_t)key[1] << 8 | (size_t)key[2] << 16) &
	    (nslots - 1);
	for (i = 0; i < RL_MEM_PROBE; i++) {
		s = &t[(start + i) & (nslots - 1)];
		if (s->expires > now && memcmp(s->key, key, 16) == 0)
			return s;
	}
	if (!create)
		return NULL;
	for (i = 0; i < RL_MEM_PROBE; i++) {
		s = &t[(start + i) & (nslots - 1)];
		if (s->expires <= now) {
			victim = s;
			break;
		}
		if (victim == NULL || s->expires < victim->expires)
			victim = s;
	}
	memset(victim, 0, sizeof(*victim));
	memcpy(victim->key, key, 16);
	return victim;
}

/* ---- Redis ---------------------------------------------------------------- */

/* Notes an outage: fall back for RL_RETRY_MS, log at most every RL_LOG_MS. */
static void
rl_down(int64_t now_ms, const char *why)
{
	rl.degraded = true;
	rl.last_ok = false;
	rl.retry_at = now_ms + RL_RETRY_MS;
	if (!rl.logged || now_ms - rl.logged_at >= RL_LOG_MS) {
		auth_log_error(NULL, "ratelimit: redis %s; limits kept in "
		    "process", why);
		rl.logged = true;
		rl.logged_at = now_ms;
	}
}

static void
rl_up(void)
{
	if (rl.degraded)
		auth_log_info(NULL, "ratelimit: redis is back");
	rl.degraded = false;
	rl.last_ok = true;
}

/*
 * Runs script (EVALSHA, then EVAL on NOSCRIPT) with nkeys keys followed by
 * args, n strings in all. Returns the reply (caller frees it with
 * freeReplyObject) or NULL when the caller must use the in-process table.
 * A connection that went stale since the last success is retried once.
 */
static redisReply *
rl_eval(enum rl_script script, int nkeys, const char *const *args, int n)
{
	redisContext	*c = NULL;
	redisReply	*reply = NULL;
	const char	*argv[8];
	size_t		 argvlen[8];
	char		 nk[4];
	int64_t		 now = auth_clock_mono_us() / 1000;
	int		 i, attempt, e;
	bool		 retry;

	if (rl.degraded && now < rl.retry_at)
		return NULL;
	if (n + 3 > 8)
		return NULL;
	snprintf(nk, sizeof(nk), "%d", nkeys);
	argv[0] = "EVALSHA";
	argv[1] = rl.sha[script];
	argv[2] = nk;
	for (i = 0; i < n; i++)
		argv[3 + i] = args[i];
	for (i = 0; i < n + 3; i++)
		argvlen[i] = strlen(argv[i]);

	retry = rl.last_ok;
	for (attempt = 0; attempt < 2; attempt++) {
		if ((c = auth_redis_conn()) == NULL) {
			rl_down(now, "unreachable");
			return NULL;
		}
		reply = redisCommandArgv(c, n + 3, argv, argvlen);
		if (reply != NULL)
			break;
		e = errno;
		retry = retry && !(c->err == REDIS_ERR_IO &&
		    (e == EAGAIN || e == EWOULDBLOCK));
		auth_redis_failed();
		if (!retry) {
			rl_down(now, "failed or timed out");
			return NULL;
		}
		retry = false;
	}
	if (reply == NULL) {
		rl_down(now, "failed");
		return NULL;
	}
	if (reply->type == REDIS_REPLY_ERROR &&
	    strncmp(reply->str, "NOSCRIPT", 8) == 0) {
		freeReplyObject(reply);
		argv[0] = "EVAL";
		argv[1] = rl_scripts[script];
		argvlen[0] = 4;
		argvlen[1] = strlen(rl_scripts[script]);
		if ((reply = redisCommandArgv(c, n + 3, argv, argvlen)) ==
		    NULL) {
			auth_redis_failed();
			rl_down(now, "failed or timed out");
			return NULL;
		}
	}
	if (reply->type == REDIS_REPLY_ERROR) {
		auth_log_error(NULL, "ratelimit: redis: %.200s", reply->str);
		freeReplyObject(reply);
		rl_down(now, "refused the script");
		return NULL;
	}
	rl_up();
	return reply;
}

/* The i-th integer of an array reply, or -1. */
static long long
reply_int(const redisReply *r, size_t i)
{
	if (r->type != REDIS_REPLY_ARRAY || i >= r->elements ||
	    r->element[i]->type != REDIS_REPLY_INTEGER)
		return -1;
	return r->element[i]->integer;
}

/* ---- rate limits ---------------------------------------------------------- */

struct gcra {
	bool		allowed;
	long long	remaining, reset_us, retry_us;
};

static void
mem_gcra(const char *rkey, int64_t T, int64_t tau, struct gcra *g)
{
	struct rl_slot	*s;
	int64_t		 now = auth_clock_mono_us(), tat, nt, allow_at;

	s = mem_slot(rl.gcra, RL_MEM_GCRA, rkey, now, true);
	tat = s->a > now ? s->a : now;
	nt = tat + T;
	allow_at = nt - tau;
	if (now < allow_at) {
		g->allowed = false;
		g->remaining = 0;
		g->reset_us = tat - now;
		g->retry_us = allow_at - now;
		if (s->expires <= now)	/* fresh slot: keep it free */
			s->expires = 0;
		return;
	}
	s->a = nt;
	s->expires = nt;
	g->allowed = true;
	g->remaining = (now - allow_at) / T;
	g->reset_us = nt - now;
	g->retry_us = 0;
}

enum auth_err
auth_rl_check(const struct auth_rl_rule *r, const char *subject, size_t len,
    struct auth_rl_verdict *v)
{
	redisReply	*reply = NULL;
	struct gcra	 g;
	char		 hex[RL_HEX + 1], key[RL_KEY_MAX], targ[24], tauarg[24];
	const char	*args[3];
	unsigned	 limit, period;
	int64_t		 T, tau;

	if (rl.off) {
		/* No rule: allowed, and no name, so no RateLimit headers. */
		memset(v, 0, sizeof(*v));
		v->allowed = true;
		return AUTH_OK;
	}
	auth_rl_effective(r, &limit, &period);
	T = ((int64_t)period * 1000000 + limit - 1) / limit;
	tau = T * limit;
	rl_subject(r->key, subject, len, hex);
	snprintf(key, sizeof(key), "authd:rl:%s:%s", rl_name(r), hex);
	snprintf(targ, sizeof(targ), "%lld", (long long)T);
	snprintf(tauarg, sizeof(tauarg), "%lld", (long long)tau);
	args[0] = key;
	args[1] = targ;
	args[2] = tauarg;

	if ((reply = rl_eval(RL_GCRA, 1, args, 3)) != NULL &&
	    reply_int(reply, 0) >= 0 && reply_int(reply, 1) >= 0 &&
	    reply_int(reply, 2) >= 0 && reply_int(reply, 3) >= 0) {
		g.allowed = reply_int(reply, 0) == 1;
		g.remaining = reply_int(reply, 1);
		g.reset_us = reply_int(reply, 2);
		g.retry_us = reply_int(reply, 3);
	} else
		mem_gcra(key, T, tau, &g);

	memset(v, 0, sizeof(*v));
	v->allowed = g.allowed;
	v->limit = limit;
	v->period = period;
	v->remaining = g.remaining > (long long)limit ? limit :
	    (unsigned)g.remaining;
	v->reset = us_to_s(g.reset_us);
	v->retry_after = g.allowed ? 0 : us_to_s(g.retry_us);
	if (!g.allowed && v->retry_after == 0)
		v->retry_after = 1;
	v->name = rl_name(r);
	if (reply != NULL)
		freeReplyObject(reply);
	return AUTH_OK;
}

bool
auth_rl_off(void)
{
	return rl.off;
}

bool
auth_rl_degraded(void)
{
	return rl.degraded;
}

void
auth_rl_headers(const struct auth_rl_verdict *v, struct auth_resp *rs)
{
	/* A verdict without a rule (a login delay) has no policy to show. */
	if (v->name != NULL) {
		auth_resp_header(rs, "RateLimit-Policy", "\"%s\";q=%u;w=%u",
		    v->name, v->limit, v->period);
		auth_resp_header(rs, "RateLimit", "\"%s\";r=%u;t=%u", v->name,
		    v->remaining, v->reset);
	}
	if (!v->allowed)
		auth_resp_header(rs, "Retry-After", "%u",
		    v->retry_after > 0 ? v->retry_after : 1);
}

/* ---- brute force ---------------------------------------------------------- */

/* The failure key of account and, when ip is usable, its known-good key. */
static bool
bf_keys(const char *account, size_t len, const char *ip, char fkey[RL_KEY_MAX],
    char okey[RL_KEY_MAX])
{
	char	ahex[RL_HEX + 1], ihex[RL_HEX + 1];

	rl_subject(AUTH_RL_ACCOUNT, account, len, ahex);
	snprintf(fkey, RL_KEY_MAX, "authd:bf:%s", ahex);
	okey[0] = '\0';
	if (ip == NULL || *ip == '\0')
		return false;
	rl_subject(AUTH_RL_IP, ip, strnlen(ip, AUTH_IP_MAX + 1), ihex);
	snprintf(okey, RL_KEY_MAX, "authd:bf:ok:%s:%s", ahex, ihex);
	return true;
}

enum auth_err
auth_rl_login_gate(const char *account, size_t len, const char *ip,
    unsigned *retry_after, bool *known)
{
	redisReply	*reply = NULL;
	struct rl_slot	*s;
	char		 fkey[RL_KEY_MAX], okey[RL_KEY_MAX];
	const char	*args[2];
	int64_t		 now, left_us = 0;
	bool		 has_ip;

	*retry_after = 0;
	*known = false;
	if (rl.off)
		return AUTH_OK;
	has_ip = bf_keys(account, len, ip, fkey, okey);
	args[0] = fkey;
	args[1] = okey;
	if ((reply = rl_eval(RL_GATE, has_ip ? 2 : 1, args, has_ip ? 2 : 1))
	    != NULL && reply->type == REDIS_REPLY_INTEGER) {
		*known = reply->integer < 0;
		left_us = reply->integer * 1000;
	} else {
		now = auth_clock_mono_us();
		*known = has_ip && mem_slot(rl.known, RL_MEM_KNOWN, okey, now,
		    false) != NULL;
		if (!*known && (s = mem_slot(rl.fail, RL_MEM_FAIL, fkey, now,
		    false)) != NULL && s->b > now)
			left_us = s->b - now;
	}
	if (reply != NULL)
		freeReplyObject(reply);
	if (left_us <= 0)
		return AUTH_OK;
	*retry_after = us_to_s(left_us);
	return AUTH_ERR_RATE_LIMITED;
}

/* The lockout in ms after the n-th failure, 0 below the threshold. */
static int64_t
bf_delay_ms(int64_t n)
{
	int64_t	e, d;

	if (n < rl.threshold)
		return 0;
	e = n - rl.threshold;
	d = e >= 30 ? INT64_MAX / 2 : (int64_t)1000 << e;
	return d < (int64_t)rl.lockout_max * 1000 ? d :
	    (int64_t)rl.lockout_max * 1000;
}

bool
auth_rl_login_failed(const char *account, size_t len, const char *ip)
{
	redisReply	*reply = NULL;
	struct rl_slot	*s;
	char		 fkey[RL_KEY_MAX], okey[RL_KEY_MAX];
	char		 thr[16], cap[24], win[24];
	const char	*args[4];
	int64_t		 now, delay;
	bool		 locked;

	if (rl.off)
		return false;
	bf_keys(account, len, ip, fkey, okey);
	snprintf(thr, sizeof(thr), "%u", rl.threshold);
	snprintf(cap, sizeof(cap), "%llu", (unsigned long long)rl.lockout_max *
	    1000);
	snprintf(win, sizeof(win), "%d", AUTH_RL_LOGIN_WINDOW * 1000);
	args[0] = fkey;
	args[1] = thr;
	args[2] = cap;
	args[3] = win;
	if ((reply = rl_eval(RL_FAIL, 1, args, 4)) != NULL &&
	    reply_int(reply, 1) >= 0)
		locked = reply_int(reply, 1) > 0;
	else {
		now = auth_clock_mono_us();
		s = mem_slot(rl.fail, RL_MEM_FAIL, fkey, now, true);
		s->a++;
		delay = bf_delay_ms(s->a);
		if (delay > 0)
			s->b = now + delay * 1000;
		s->expires = now + ((int64_t)AUTH_RL_LOGIN_WINDOW * 1000 +
		    delay) * 1000;
		locked = delay > 0;
	}
	if (reply != NULL)
		freeReplyObject(reply);
	return locked;
}

void
auth_rl_login_succeeded(const char *account, size_t len, const char *ip)
{
	redisReply	*reply = NULL;
	struct rl_slot	*s;
	char		 fkey[RL_KEY_MAX], okey[RL_KEY_MAX], ttl[16];
	const char	*args[3];
	int64_t		 now = auth_clock_mono_us();
	bool		 has_ip;

	if (rl.off)
		return;
	has_ip = bf_keys(account, len, ip, fkey, okey);
	snprintf(ttl, sizeof(ttl), "%d", AUTH_RL_KNOWN_IP_TTL);
	args[0] = fkey;
	args[1] = okey;
	args[2] = ttl;
	/* The in-process state is cleared too: it may hold an outage's lockout. */
	if ((s = mem_slot(rl.fail, RL_MEM_FAIL, fkey, now, false)) != NULL)
		s->expires = 0;
	if (has_ip) {
		s = mem_slot(rl.known, RL_MEM_KNOWN, okey, now, true);
		s->expires = now + (int64_t)AUTH_RL_KNOWN_IP_TTL * 1000000;
	}
	if (has_ip)
		reply = rl_eval(RL_OK, 2, args, 3);
	else
		reply = rl_eval(RL_OK, 1, args, 1);
	if (reply != NULL)
		freeReplyObject(reply);
}

/* ---- configuration ------------------------------------------------------ */

static const char *
rl_check_rate_limits(char *s)
{
	return auth_rl_overrides_check(s);
}

static const struct auth_cfg_key rl_keys[] = {
	AUTH_CFG_STR(rate_limits, rl_check_rate_limits, ""),
	AUTH_CFG_NUM(login_lockout_threshold, AUTH_CFG_T_UINT, 1, 1000, "5"),
	AUTH_CFG_NUM(login_lockout_max, AUTH_CFG_T_UINT, 1, 86400, "900"),
};

const struct auth_cfg_module auth_rl_cfg = AUTH_CFG_MODULE(rl_keys, NULL);
