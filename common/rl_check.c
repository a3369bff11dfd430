/*
 * Rate limits (GCRA): one Redis script call per check, falling back to a
 * fixed-size in-process table while Redis is unreachable or slow. The
 * limiter's state, its Redis scripts (the lockout's too) and its start.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <openssl/evp.h>

#include "base_clock.h"
#include "base_codec.h"
#include "base_email.h"
#include "base_secret.h"
#include "hmac.h"
#include "log.h"
#include "redis.h"
#include "rl_internal.h"

/*
 * GCRA in microseconds of the Redis clock, as a Lua function the scripts
 * share: counts one request on key (T: emission interval, tau: tolerance,
 * T * limit) unless it refuses, and appends {allowed, remaining, reset_us,
 * retry_us} to out. A key holds its theoretical arrival time and expires
 * when it is reached; the expiry goes as a number (no second format).
 */
#define RL_LUA_GCRA \
	"local function gcra(out, now, key, T, tau)\n" \
	"  local tat = tonumber(redis.call('GET', key)) or 0\n" \
	"  if tat < now then tat = now end\n" \
	"  local new = tat + T\n" \
	"  local allow_at = new - tau\n" \
	"  local n = #out\n" \
	"  if now < allow_at then\n" \
	"    out[n + 1] = 0\n" \
	"    out[n + 2] = 0\n" \
	"    out[n + 3] = tat - now\n" \
	"    out[n + 4] = allow_at - now\n" \
	"    return false\n" \
	"  end\n" \
	"  redis.call('SET', key, string.format('%.0f', new), 'PX',\n" \
	"    math.ceil((new - now) / 1000))\n" \
	"  out[n + 1] = 1\n" \
	"  out[n + 2] = math.floor((now - allow_at) / T)\n" \
	"  out[n + 3] = new - now\n" \
	"  out[n + 4] = 0\n" \
	"  return true\n" \
	"end\n" \
	"local t = redis.call('TIME')\n" \
	"local now = t[1] * 1000000 + t[2]\n"

/*
 * Each key in order, ARGV holding per key its T and tau: the answers up to
 * and including the first key that refuses (the keys after it are not
 * counted). One TIME for all keys.
 */
static const char rl_gcra_lua[] =
	RL_LUA_GCRA
	"local out = {}\n"
	"for i = 1, #KEYS do\n"
	"  if not gcra(out, now, KEYS[i], tonumber(ARGV[2 * i - 1]),\n"
	"      tonumber(ARGV[2 * i])) then break end\n"
	"end\n"
	"return out\n";

/*
 * A login's checks before its hash (rl_lockout.c). KEYS: the m queued
 * rules' keys, the account's failure key, its known-good key (the failure
 * key again when the address cannot be known good), and the account
 * rule's key when there is one. ARGV: m, "1" if KEYS[m + 2] is a
 * known-good key, "1" if there is an account rule, then T and tau per
 * rule. Returns {known, lock_ms, GCRA answers...}: the queued rules up to
 * a refusal; then nothing more when the address is known good (known 1)
 * or the account locked (lock_ms > 0); else the account rule's answer.
 */
static const char rl_login_lua[] =
	RL_LUA_GCRA
	"local m = tonumber(ARGV[1])\n"
	"local out = {0, 0}\n"
	"for i = 1, m do\n"
	"  if not gcra(out, now, KEYS[i], tonumber(ARGV[2 + 2 * i]),\n"
	"      tonumber(ARGV[3 + 2 * i])) then return out end\n"
	"end\n"
	"if ARGV[2] == '1' and redis.call('EXISTS', KEYS[m + 2]) == 1 then\n"
	"  out[1] = 1\n"
	"  return out\n"
	"end\n"
	"local u = tonumber(redis.call('HGET', KEYS[m + 1], 'until') or 0) or 0\n"
	"local ms = math.floor(now / 1000)\n"
	"if u > ms then\n"
	"  out[2] = u - ms\n"
	"  return out\n"
	"end\n"
	"if ARGV[3] == '1' then\n"
	"  gcra(out, now, KEYS[m + 3], tonumber(ARGV[4 + 2 * m]),\n"
	"    tonumber(ARGV[5 + 2 * m]))\n"
	"end\n"
	"return out\n";

/* Gives back one request counted on KEYS[1] by mistake; ARGV: its T. */
static const char rl_undo_lua[] =
	"local tat = tonumber(redis.call('GET', KEYS[1]))\n"
	"if not tat then return 0 end\n"
	"local t = redis.call('TIME')\n"
	"local now = t[1] * 1000000 + t[2]\n"
	"local new = tat - tonumber(ARGV[1])\n"
	"if new <= now then\n"
	"  redis.call('DEL', KEYS[1])\n"
	"  return 1\n"
	"end\n"
	"redis.call('SET', KEYS[1], string.format('%.0f', new), 'PX',\n"
	"  math.ceil((new - now) / 1000))\n"
	"return 1\n";

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

/* A successful login: forget the failures, remember the address. */
static const char rl_ok_lua[] =
	"redis.call('DEL', KEYS[1])\n"
	"if KEYS[2] then redis.call('SET', KEYS[2], '1', 'EX', ARGV[1]) end\n"
	"return 1\n";


static const char *const rl_scripts[RL_SCRIPT__MAX] = {
	rl_gcra_lua, rl_fail_lua, rl_ok_lua, rl_undo_lua, rl_login_lua
};

struct auth_rl_state auth_rl = {
    .threshold = 5, .lockout_max = 900 };

/* Whole seconds, rounded up. */
unsigned
auth_rl_us_to_s(int64_t us)
{
	if (us <= 0)
		return 0;
	if (us / 1000000 >= UINT32_MAX)
		return UINT32_MAX;
	return (unsigned)((us + 999999) / 1000000);
}

int
auth_rl_init(const struct auth_config *cfg, char *err, size_t errlen)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned	 mdlen;
	const char	*why;
	size_t		 i;
	int		 n;

	if ((why = auth_rl_parse(cfg->rate_limits, auth_rl.limit,
	    auth_rl.period, &auth_rl.off)) != NULL) {
		snprintf(err, errlen, "rate_limits %s", why);
		return -1;
	}
	if ((n = auth_http_cidr_parse_list(cfg->trusted_proxies, auth_rl.shared,
	    AUTH_CIDRS_MAX)) < 0) {
		snprintf(err, errlen, "trusted_proxies: not a list of at most "
		    "%d addresses or CIDR ranges", AUTH_CIDRS_MAX);
		return -1;
	}
	auth_rl.nshared = (size_t)n;
	auth_rl.threshold = cfg->login_lockout_threshold;
	auth_rl.lockout_max = cfg->login_lockout_max;
	for (i = 0; i < RL_SCRIPT__MAX; i++) {
		if (EVP_Digest(rl_scripts[i], strlen(rl_scripts[i]), md,
		    &mdlen, EVP_sha1(), NULL) != 1 || mdlen != 20) {
			snprintf(err, errlen, "ratelimit: SHA-1 unavailable");
			return -1;
		}
		auth_hex(md, 20, auth_rl.sha[i]);
	}
	if (auth_random_bytes(auth_rl.secret, sizeof(auth_rl.secret)) == -1) {
		snprintf(err, errlen, "ratelimit: no random bytes");
		return -1;
	}
	memset(auth_rl.gcra, 0, sizeof(auth_rl.gcra));
	memset(auth_rl.fail, 0, sizeof(auth_rl.fail));
	memset(auth_rl.known, 0, sizeof(auth_rl.known));
	auth_rl.degraded = auth_rl.logged = auth_rl.last_ok = false;
	auth_rl.retry_at = auth_rl.logged_at = 0;
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
 * The digest of a subject when no hmac_key_file is loaded: the authorizer,
 * which runs as the verifiers' user and holds no secret, names the counters
 * of its locations (user ids and addresses, never an email) this way. The
 * same in every process and node, so its limits count across them; an
 * observer of Redis could test a guessed address. Logged once.
 */
static void
rl_subject_unkeyed(const char *p, size_t n, unsigned char md[AUTH_HASH_LEN])
{
	static const char	label[] = "authd-rl-unkeyed";
	static bool		logged;
	unsigned char		buf[sizeof(label) + RL_NORM_MAX];

	if (!logged)
		auth_log_info(NULL, "ratelimit: no hmac_key_file loaded: Redis "
		    "key names are unkeyed digests");
	logged = true;
	if (n > RL_NORM_MAX) {
		auth_sha256(p, n, md);
		p = (const char *)md;
		n = AUTH_HASH_LEN;
	}
	memcpy(buf, label, sizeof(label));	/* with its NUL */
	memcpy(buf + sizeof(label), p, n);
	auth_sha256(buf, sizeof(label) + n, md);
	auth_wipe(buf, sizeof(buf));
}

/*
 * Writes to hex (RL_HEX + 1 bytes) the truncated HMAC (AUTH_HMAC_REDIS_KEY)
 * of the subject's normal form: cut at a first NUL; IP per rl_norm_ip;
 * account trimmed and ASCII-lowercased (an account too long for that is
 * hashed as sent).
 */
void
auth_rl_subject(enum auth_rl_key kind, const char *s, size_t len,
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
		/* The account lookup's key (users.email_key), nothing else. */
		if (auth_email_key(s, len, norm, NULL) == 0) {
			p = norm;
			n = strlen(norm);
		}
		break;
	default:
		break;
	}
	/* Keyed: an observer of Redis cannot confirm an email or address. */
	if (auth_hmac(AUTH_HMAC_REDIS_KEY, p, n, md) != 0)
		rl_subject_unkeyed(p, n, md);
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

	memcpy(buf, auth_rl.secret, RL_SECRET_LEN);
	memcpy(buf + RL_SECRET_LEN, rkey, n);
	auth_sha256(buf, RL_SECRET_LEN + n, md);
	memcpy(out, md, 16);
}

/*
 * The live slot for key, or with create a fresh one (zeroed but for the
 * key): an expired slot in the probe window, else of those no longer
 * holding the one expiring first. NULL without create, or when every slot
 * of the window still holds. nslots is a power of two.
 */
struct rl_slot *
auth_rl_slot(struct rl_slot *t, size_t nslots, const char *rkey,
    int64_t now, bool create)
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
		if (s->hold <= now && (victim == NULL ||
		    s->expires < victim->expires))
			victim = s;
	}
	if (victim == NULL)
		return NULL;
	memset(victim, 0, sizeof(*victim));
	memcpy(victim->key, key, 16);
	return victim;
}

/* ---- Redis ------------------------------------------------------------ */

/* Notes an outage: fall back for RL_RETRY_MS, log at most every RL_LOG_MS. */
static void
rl_down(int64_t now_ms, const char *why)
{
	auth_rl.degraded = true;
	auth_rl.last_ok = false;
	auth_rl.retry_at = now_ms + RL_RETRY_MS;
	if (!auth_rl.logged || now_ms - auth_rl.logged_at >= RL_LOG_MS) {
		auth_log_error(NULL, "ratelimit: redis %s; limits kept in "
		    "process", why);
		auth_rl.logged = true;
		auth_rl.logged_at = now_ms;
	}
}

static void
rl_up(void)
{
	if (auth_rl.degraded)
		auth_log_info(NULL, "ratelimit: redis is back");
	auth_rl.degraded = false;
	auth_rl.last_ok = true;
}

/*
 * Runs script (EVALSHA, then EVAL on NOSCRIPT) with nkeys keys followed by
 * args, n strings in all. Returns the reply (caller frees it with
 * freeReplyObject) or NULL when the caller must use the in-process table.
 * A connection that went stale since the last success is retried once.
 */
redisReply *
auth_rl_eval(enum rl_script script, int nkeys, const char *const *args,
    int n)
{
	redisContext	*c = NULL;
	redisReply	*reply = NULL;
	const char	*argv[RL_ARGV_MAX];
	size_t		 argvlen[RL_ARGV_MAX];
	char		 nk[4];
	int64_t		 now = auth_clock_mono_us() / 1000;
	int		 i, attempt, e;
	bool		 retry;

	if (auth_rl.degraded && now < auth_rl.retry_at)
		return NULL;
	if (n + 3 > RL_ARGV_MAX)
		return NULL;
	snprintf(nk, sizeof(nk), "%d", nkeys);
	argv[0] = "EVALSHA";
	argv[1] = auth_rl.sha[script];
	argv[2] = nk;
	for (i = 0; i < n; i++)
		argv[3 + i] = args[i];
	for (i = 0; i < n + 3; i++)
		argvlen[i] = strlen(argv[i]);

	retry = auth_rl.last_ok;
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
long long
auth_rl_reply_int(const redisReply *r, size_t i)
{
	if (r->type != REDIS_REPLY_ARRAY || i >= r->elements ||
	    r->element[i]->type != REDIS_REPLY_INTEGER)
		return -1;
	return r->element[i]->integer;
}

/* ---- rate limits ------------------------------------------------------ */

/*
 * GCRA on the in-process table. A slot holds while its subject's next
 * request would be refused; with no slot to be had (the table is full of
 * such) the request is refused too, to be retried when Redis may be back.
 */
void
auth_rl_mem_gcra(const struct rl_arg *a, struct rl_gcra *g)
{
	struct rl_slot	*s;
	int64_t		 now = auth_clock_mono_us(), tat, nt, allow_at;
	int64_t		 T = a->T, tau = a->tau;

	s = auth_rl_slot(auth_rl.gcra, RL_MEM_GCRA, a->key, now, true);
	if (s == NULL) {
		g->allowed = false;
		g->remaining = 0;
		g->reset_us = tau;
		g->retry_us = (int64_t)RL_RETRY_MS * 1000;
		return;
	}
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
	s->hold = nt + T - tau;
	g->allowed = true;
	g->remaining = (now - allow_at) / T;
	g->reset_us = nt - now;
	g->retry_us = 0;
}

void
auth_rl_arg_make(const struct auth_rl_item *it, struct rl_arg *a)
{
	char	hex[RL_HEX + 1];

	auth_rl_effective(it->rule, &a->limit, &a->period);
	a->T = ((int64_t)a->period * 1000000 + a->limit - 1) / a->limit;
	a->tau = a->T * a->limit;
	auth_rl_subject(it->rule->key, it->subject, it->len, hex);
	/* The subject is the key's hash tag: a subject's counters share a
	 * slot. */
	if (it->scope != NULL)
		snprintf(a->key, sizeof(a->key), "authd:rl:%s:%s:{%s}",
		    it->scope, rl_name(it->rule), hex);
	else
		snprintf(a->key, sizeof(a->key), "authd:rl:%s:{%s}",
		    rl_name(it->rule), hex);
	snprintf(a->targ, sizeof(a->targ), "%lld", (long long)a->T);
	snprintf(a->tauarg, sizeof(a->tauarg), "%lld", (long long)a->tau);
}

void
auth_rl_verdict_fill(struct auth_rl_verdict *v, const struct auth_rl_rule *r,
    const struct rl_arg *a, const struct rl_gcra *g)
{
	memset(v, 0, sizeof(*v));
	v->allowed = g->allowed;
	v->limit = a->limit;
	v->period = a->period;
	v->remaining = g->remaining > (long long)a->limit ? a->limit :
	    (unsigned)g->remaining;
	v->reset = auth_rl_us_to_s(g->reset_us);
	v->retry_after = g->allowed ? 0 : auth_rl_us_to_s(g->retry_us);
	if (!g->allowed && v->retry_after == 0)
		v->retry_after = 1;
	v->name = rl_name(r);
	v->key = r->key;
}

size_t
auth_rl_gcra_reply(const redisReply *reply, size_t off, size_t n,
    struct rl_gcra *g)
{
	size_t	i, j, k;

	if (reply->type != REDIS_REPLY_ARRAY || reply->elements < off ||
	    (reply->elements - off) % 4 != 0 ||
	    (k = (reply->elements - off) / 4) > n)
		return 0;
	for (i = off; i < reply->elements; i++)
		if (auth_rl_reply_int(reply, i) < 0)
			return 0;
	for (i = 0, j = off; i < k; i++, j += 4) {
		g[i].allowed = auth_rl_reply_int(reply, j) == 1;
		g[i].remaining = auth_rl_reply_int(reply, j + 1);
		g[i].reset_us = auth_rl_reply_int(reply, j + 2);
		g[i].retry_us = auth_rl_reply_int(reply, j + 3);
		if (!g[i].allowed && i + 1 < k)
			return 0;
	}
	return k;
}

/*
 * Counts it[0..n) in one script call (or the in-process table), in order,
 * up to the first refusal; fills v[0..k) and returns k, the rules looked
 * at (k < n only after a refusal, v[k - 1] refused).
 */
static size_t
rl_count(const struct auth_rl_item *it, size_t n, struct auth_rl_verdict *v)
{
	struct rl_arg	 a[AUTH_RL_CHECK_MAX];
	struct rl_gcra	 g[AUTH_RL_CHECK_MAX];
	const char	*args[3 * AUTH_RL_CHECK_MAX] = { NULL };
	redisReply	*reply;
	size_t		 i, k = 0;

	for (i = 0; i < n; i++) {
		auth_rl_arg_make(&it[i], &a[i]);
		args[i] = a[i].key;
		args[n + 2 * i] = a[i].targ;
		args[n + 2 * i + 1] = a[i].tauarg;
	}
	if ((reply = auth_rl_eval(RL_GCRA, (int)n, args, (int)(3 * n))) !=
	    NULL) {
		k = auth_rl_gcra_reply(reply, 0, n, g);
		/* every rule answered, unless one refused */
		if (k > 0 && k < n && g[k - 1].allowed)
			k = 0;
		freeReplyObject(reply);
	}
	if (k == 0)
		for (k = 0; k < n; k++) {
			auth_rl_mem_gcra(&a[k], &g[k]);
			if (!g[k].allowed) {
				k++;
				break;
			}
		}
	for (i = 0; i < k; i++)
		auth_rl_verdict_fill(&v[i], it[i].rule, &a[i], &g[i]);
	return k;
}

size_t
auth_rl_check_n(const struct auth_rl_item *it, size_t n,
    struct auth_rl_verdict *v)
{
	size_t	k, i;

	if (n > AUTH_RL_CHECK_MAX)
		n = AUTH_RL_CHECK_MAX;
	for (i = 0; i < n; i++)
		memset(&v[i], 0, sizeof(v[i]));
	if (auth_rl.off) {
		/* No rule: allowed, and no name, so no RateLimit headers. */
		for (i = 0; i < n; i++)
			v[i].allowed = true;
		return n;
	}
	if (n == 0)
		return 0;
	k = rl_count(it, n, v);
	return v[k - 1].allowed ? n : k - 1;
}

/* ---- rules counted with a later check of the request ------------------ */

static struct {
	struct auth_rl_item	it[AUTH_RL_CHECK_MAX];
	char			subject[AUTH_RL_CHECK_MAX - 1][RL_NORM_MAX];
	struct auth_rl_verdict	v[AUTH_RL_CHECK_MAX];
	size_t			n;
	size_t			refused;	/* index, or n */
	bool			done;		/* counted */
} later;

int
auth_rl_defer(const struct auth_rl_rule *r, const char *subject, size_t len)
{
	if (auth_rl.off)
		return 0;
	if (later.done || later.n >= AUTH_RL_CHECK_MAX - 1 ||
	    len >= RL_NORM_MAX)
		return -1;
	memcpy(later.subject[later.n], subject, len);
	later.subject[later.n][len] = '\0';
	later.it[later.n].rule = r;
	later.it[later.n].subject = later.subject[later.n];
	later.it[later.n].len = len;
	later.it[later.n].scope = NULL;
	later.n++;
	return 0;
}

enum auth_err
auth_rl_check(const struct auth_rl_rule *r, const char *subject, size_t len,
    struct auth_rl_verdict *v)
{
	struct auth_rl_item	one = { r, subject, len, NULL };
	size_t			n = later.n;

	if (n == 0 || later.done || auth_rl.off) {
		(void)auth_rl_check_n(&one, 1, v);
		return AUTH_OK;
	}
	/* The deferred rules first, then this one, in one call. */
	later.it[n] = one;
	later.refused = auth_rl_check_n(later.it, n + 1, later.v);
	later.done = true;
	*v = later.v[later.refused < n ? later.refused : n];
	if (later.refused >= n)
		later.refused = n;
	return AUTH_OK;
}

bool
auth_rl_deferred(struct auth_rl_verdict *v)
{
	size_t	i, n = later.n;
	bool	refused = false;

	memset(v, 0, sizeof(*v));
	if (n == 0)
		return false;
	if (!later.done) {
		later.refused = auth_rl_check_n(later.it, n, later.v);
		later.done = true;
	}
	if (later.refused < n) {
		*v = later.v[later.refused];
		refused = true;
	} else
		for (i = 0; i < n; i++)
			if (later.v[i].name != NULL && (v->name == NULL ||
			    later.v[i].remaining < v->remaining))
				*v = later.v[i];
	later.n = 0;
	later.done = false;
	return refused;
}

size_t
auth_rl_queue(const struct auth_rl_item **it, struct auth_rl_verdict **v)
{
	size_t	i;

	if (later.done || later.n == 0 || auth_rl.off)
		return 0;
	for (i = 0; i < later.n; i++)
		memset(&later.v[i], 0, sizeof(later.v[i]));
	*it = later.it;
	*v = later.v;
	return later.n;
}

void
auth_rl_queue_counted(size_t refused)
{
	later.refused = refused < later.n ? refused : later.n;
	later.done = true;
}

void
auth_rl_undo(const struct auth_rl_item *it)
{
	struct rl_arg		 a;
	struct rl_slot		*s;
	const char		*args[2];
	redisReply		*reply;
	int64_t			 now = auth_clock_mono_us();

	if (auth_rl.off)
		return;
	auth_rl_arg_make(it, &a);
	args[0] = a.key;
	args[1] = a.targ;
	if ((reply = auth_rl_eval(RL_UNDO, 1, args, 2)) != NULL) {
		freeReplyObject(reply);
		return;
	}
	if ((s = auth_rl_slot(auth_rl.gcra, RL_MEM_GCRA, a.key, now,
	    false)) == NULL)
		return;
	s->a -= a.T;
	s->expires = s->a;
	s->hold = s->a + a.T - a.tau;
}

bool
auth_rl_degraded(void)
{
	return auth_rl.degraded;
}

void
auth_rl_headers(const struct auth_rl_verdict *v, struct auth_resp *rs)
{
	/* A verdict without a rule (a login delay) has no policy to show, and
	 * only the caller's own address is the caller's business. */
	if (v->name != NULL && v->key == AUTH_RL_IP) {
		auth_resp_header(rs, "RateLimit-Policy", "\"%s\";q=%u;w=%u",
		    v->name, v->limit, v->period);
		auth_resp_header(rs, "RateLimit", "\"%s\";r=%u;t=%u", v->name,
		    v->remaining, v->reset);
	}
	if (!v->allowed)
		auth_resp_header(rs, "Retry-After", "%u",
		    v->retry_after > 0 ? v->retry_after : 1);
}
