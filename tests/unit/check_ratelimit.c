/*
 * Unit tests for common/rl_*.c against private redis-server processes
 * on free loopback ports, started and killed by this program. Time never
 * passes by sleeping: the in-process clock is pinned and advanced
 * (auth_clock_set_for_test), and Redis-side state is moved back in time
 * through the test's own connection.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "config.h"
#include "endpoint_config.h"
#include "rl.h"
#include "base_clock.h"
#include "base_codec.h"
#include "hmac.h"
#include "redis.h"

static int	srv_port;		/* the shared server */
static pid_t	srv_pid = -1;
static char	srv_dir[64];
static redisContext *spy;		/* the test's own connection */
static char	hmac_path[96];		/* the HMAC key of the key names */
static char	hmac2_path[96];		/* another one */

/*
 * The outage test's server and log live in srv_dir/fb; its pid is kept in
 * srv_dir/fb.pid so main() can kill it even when the test failed midway.
 */
static void
fb_remember(pid_t pid)
{
	char	 path[96];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/fb.pid", srv_dir);
	if ((f = fopen(path, "w")) != NULL) {
		fprintf(f, "%ld\n", (long)pid);
		fclose(f);
	}
}

static void redis_kill(pid_t);

static void
fb_cleanup(void)
{
	char	 path[96];
	long	 pid;
	FILE	*f;

	snprintf(path, sizeof(path), "%s/fb.pid", srv_dir);
	if ((f = fopen(path, "r")) != NULL) {
		if (fscanf(f, "%ld", &pid) == 1 && pid > 0) {
			kill((pid_t)pid, SIGCONT);
			kill((pid_t)pid, SIGKILL);
		}
		fclose(f);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/fb/stderr.log", srv_dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/fb", srv_dir);
	rmdir(path);
}

/* ---- redis-server processes ------------------------------------------- */

static int
free_port(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			fd, port;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	port = -1;
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
		port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

static redisContext *
connect_spy(int port)
{
	redisContext	*c;
	struct timeval	 tv = { 1, 0 };

	c = redisConnectWithTimeout("127.0.0.1", port, tv);
	if (c != NULL && c->err != 0) {
		redisFree(c);
		c = NULL;
	}
	return c;
}

/*
 * Starts redis-server on port in dir (with conf: a sentinel of that config
 * file); returns its pid once it answers.
 */
static pid_t
redis_start_conf(int port, const char *dir, const char *conf)
{
	char		 p[16];
	redisContext	*c;
	redisReply	*r;
	pid_t		 pid;
	int		 i, fd;

	snprintf(p, sizeof(p), "%d", port);
	if ((pid = fork()) == 0) {
		if ((fd = open("/dev/null", O_WRONLY)) >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		if (conf != NULL)
			execlp("redis-server", "redis-server", conf,
			    "--sentinel", (char *)NULL);
		else
			execlp("redis-server", "redis-server", "--port", p,
			    "--bind", "127.0.0.1", "--save", "", "--appendonly",
			    "no", "--dir", dir, (char *)NULL);
		_exit(127);
	}
	if (pid < 0)
		return -1;
	for (i = 0; i < 300; i++) {
		usleep(10000);
		if ((c = connect_spy(port)) == NULL)
			continue;
		r = redisCommand(c, "PING");
		redisFree(c);
		if (r != NULL) {
			freeReplyObject(r);
			return pid;
		}
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

static pid_t
redis_start(int port, const char *dir)
{
	return redis_start_conf(port, dir, NULL);
}

static void
redis_kill(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGCONT);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static long long
spy_int(const char *fmt, const char *arg)
{
	redisReply	*r;
	long long	 v;

	r = redisCommand(spy, fmt, arg);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->type, REDIS_REPLY_INTEGER);
	v = r->integer;
	freeReplyObject(r);
	return v;
}

static void
spy_cmd(const char *cmd)
{
	redisReply	*r = redisCommand(spy, cmd);

	ck_assert_ptr_nonnull(r);
	ck_assert_int_ne(r->type, REDIS_REPLY_ERROR);
	freeReplyObject(r);
}

/* KEYS pattern; caller frees. */
static redisReply *
spy_keys(const char *pattern)
{
	redisReply	*r = redisCommand(spy, "KEYS %s", pattern);

	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
	return r;
}

/* How many keys match pattern. */
static size_t
spy_nkeys(const char *pattern)
{
	redisReply	*r = spy_keys(pattern);
	size_t		 n = r->elements;

	freeReplyObject(r);
	return n;
}

/*
 * Moves the Redis-side clock of every key matching pattern us forward: a
 * GCRA key's theoretical arrival time, or a lockout's "until" (ms), is
 * lowered by that much, as if the time had passed.
 */
static void
spy_rewind(const char *pattern, long long us)
{
	redisReply	*keys, *r;
	size_t		 i;
	bool		 hash;

	keys = spy_keys(pattern);
	ck_assert_uint_gt(keys->elements, 0);
	for (i = 0; i < keys->elements; i++) {
		r = redisCommand(spy, "TYPE %s", keys->element[i]->str);
		ck_assert_ptr_nonnull(r);
		hash = strcmp(r->str, "hash") == 0;
		freeReplyObject(r);
		if (hash)
			r = redisCommand(spy, "HINCRBY %s until %lld",
			    keys->element[i]->str, -(us / 1000));
		else
			r = redisCommand(spy, "DECRBY %s %lld",
			    keys->element[i]->str, us);
		ck_assert_ptr_nonnull(r);
		ck_assert_int_eq(r->type, REDIS_REPLY_INTEGER);
		freeReplyObject(r);
	}
	freeReplyObject(keys);
}

/* ---- fixtures ------------------------------------------------------------ */

static void
rl_setup_cfg(int port, const char *limits, unsigned thr, unsigned max,
    unsigned timeout_ms)
{
	struct auth_config	cfg;
	char			err[256];

	auth_config_defaults(&cfg);
	snprintf(cfg.redis_url, sizeof(cfg.redis_url),
	    "redis://127.0.0.1:%d", port);
	cfg.redis_timeout_ms = timeout_ms;
	snprintf(cfg.rate_limits, sizeof(cfg.rate_limits), "%s", limits);
	cfg.login_lockout_threshold = thr;
	cfg.login_lockout_max = max;
	auth_redis_init(&cfg);
	ck_assert_msg(auth_rl_init(&cfg, err, sizeof(err)) == 0, "%s", err);
}

static void
rl_setup(const char *limits)
{
	rl_setup_cfg(srv_port, limits, 5, 900, 500);
}

static void
redis_setup(void)
{
	auth_clock_set_for_test(1000000000);	/* 1000 s, moved by hand */
	spy = connect_spy(srv_port);
	ck_assert_ptr_nonnull(spy);
	spy_cmd("FLUSHALL");
	rl_setup("");
}

static void
redis_teardown(void)
{
	auth_clock_set_for_test(0);
	auth_redis_close();
	if (spy != NULL)
		redisFree(spy);
	spy = NULL;
}

static struct auth_rl_verdict
check_str(const struct auth_rl_rule *r, const char *s)
{
	struct auth_rl_verdict	v;

	memset(&v, 0x5a, sizeof(v));
	ck_assert_int_eq(auth_rl_check(r, s, strlen(s), &v), AUTH_OK);
	return v;
}

static bool
allowed(const struct auth_rl_rule *r, const char *s)
{
	return check_str(r, s).allowed;
}

static long long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- GCRA on Redis ------------------------------------------------------ */

static const struct auth_rl_rule rule_5_60 = { "t_burst", AUTH_RL_IP, 5, 60 };

START_TEST(test_limit_then_refuse)
{
	struct auth_rl_verdict	v;
	unsigned		i;

	for (i = 0; i < 5; i++) {
		v = check_str(&rule_5_60, "192.0.2.1");
		ck_assert(v.allowed);
		ck_assert_uint_eq(v.remaining, 4 - i);
		ck_assert_uint_eq(v.limit, 5);
		ck_assert_uint_eq(v.period, 60);
		ck_assert_uint_eq(v.retry_after, 0);
		ck_assert_str_eq(v.name, "t_burst");
	}
	ck_assert_uint_eq(v.reset, 60);
	v = check_str(&rule_5_60, "192.0.2.1");
	ck_assert(!v.allowed);
	ck_assert_uint_eq(v.remaining, 0);
	/* One request every 60/5 = 12 s: the next slot is 12 s away. */
	ck_assert_uint_ge(v.retry_after, 11);
	ck_assert_uint_le(v.retry_after, 12);
	ck_assert_uint_ge(v.reset, 59);
	ck_assert_uint_le(v.reset, 60);
	/* Refusals are not counted: still 12 s, not 24. */
	v = check_str(&rule_5_60, "192.0.2.1");
	ck_assert(!v.allowed);
	ck_assert_uint_le(v.retry_after, 12);
	ck_assert(!auth_rl_degraded());
}
END_TEST

/* The number of EVALSHA/EVAL calls Redis has seen. */
static long long
spy_evals(void)
{
	redisReply	*r = redisCommand(spy, "INFO commandstats");
	const char	*p;
	long long	 n = 0;

	ck_assert_ptr_nonnull(r);
	if ((p = strstr(r->str, "cmdstat_evalsha:calls=")) != NULL)
		n += atoll(p + 22);
	if ((p = strstr(r->str, "cmdstat_eval:calls=")) != NULL)
		n += atoll(p + 19);
	freeReplyObject(r);
	return n;
}

static const struct auth_rl_rule rule_a = { "t_a", AUTH_RL_IP, 3, 60 };
static const struct auth_rl_rule rule_b = { "t_b", AUTH_RL_SESSION, 2, 60 };

/* Checks a (IP) then b (session) in one call; the index of the refusal. */
static size_t
check_ab(const char *ip, const char *sid, struct auth_rl_verdict v[2])
{
	struct auth_rl_item	it[2] = { { &rule_a, ip, strlen(ip), NULL },
	    { &rule_b, sid, strlen(sid), NULL } };

	return auth_rl_check_n(it, 2, v);
}

/* Several rules, one call: each rule counted as alone, up to a refusal. */
static void
check_n_case(void)
{
	struct auth_rl_verdict	v[2];

	ck_assert_uint_eq(check_ab("192.0.2.9", "s1", v), 2);
	ck_assert(v[0].allowed && v[1].allowed);
	ck_assert_str_eq(v[0].name, "t_a");
	ck_assert_uint_eq(v[0].remaining, 2);
	ck_assert_str_eq(v[1].name, "t_b");
	ck_assert_uint_eq(v[1].remaining, 1);
	ck_assert_uint_eq(check_ab("192.0.2.9", "s1", v), 2);
	/* The session rule refuses: the IP rule was counted before it. */
	ck_assert_uint_eq(check_ab("192.0.2.9", "s1", v), 1);
	ck_assert(v[0].allowed);
	ck_assert_uint_eq(v[0].remaining, 0);
	ck_assert(!v[1].allowed);
	ck_assert_uint_ge(v[1].retry_after, 1);
	/* The IP rule refuses: the session rule is not counted. */
	ck_assert_uint_eq(check_ab("192.0.2.9", "s2", v), 0);
	ck_assert(!v[0].allowed);
	ck_assert_ptr_null(v[1].name);
	ck_assert_uint_eq(check_ab("192.0.2.10", "s2", v), 2);
	ck_assert_uint_eq(v[1].remaining, 1);
}

START_TEST(test_check_n_one_call)
{
	struct auth_rl_verdict	v[2];
	long long		before;

	/* The script loaded (a NOSCRIPT retry is a second call). */
	ck_assert_uint_eq(check_ab("192.0.2.99", "s99", v), 2);
	before = spy_evals();
	check_n_case();
	ck_assert_int_eq(spy_evals() - before, 5);
	ck_assert(!auth_rl_degraded());
}
END_TEST

START_TEST(test_check_n_fallback)
{
	rl_setup_cfg(free_port(), "", 5, 900, 100);
	check_n_case();
	ck_assert(auth_rl_degraded());
}
END_TEST

/* A deferred rule goes with the next check, in one call, before it. */
START_TEST(test_defer)
{
	struct auth_rl_verdict	v, d;
	long long		before;
	int			i;

	ck_assert(allowed(&rule_b, "warm"));
	for (i = 0; i < 3; i++) {
		before = spy_evals();
		ck_assert_int_eq(auth_rl_defer(&rule_a, "192.0.2.11", 10), 0);
		v = check_str(&rule_b, "s3");
		ck_assert_int_eq(spy_evals() - before, 1);
		ck_assert_int_eq(v.allowed, i < 2);
		ck_assert(!auth_rl_deferred(&d));
		ck_assert_str_eq(d.name, "t_a");
		ck_assert_uint_eq(d.remaining, 2 - (unsigned)i);
	}
	/* The IP rule refuses: that is the check's verdict, b not counted. */
	ck_assert_int_eq(auth_rl_defer(&rule_a, "192.0.2.11", 10), 0);
	v = check_str(&rule_b, "s5");
	ck_assert(!v.allowed);
	ck_assert_str_eq(v.name, "t_a");
	ck_assert(auth_rl_deferred(&d));
	ck_assert_str_eq(d.name, "t_a");
	ck_assert(allowed(&rule_b, "s5"));
	/* No later check: counted by auth_rl_deferred itself. */
	ck_assert_int_eq(auth_rl_defer(&rule_a, "192.0.2.12", 10), 0);
	before = spy_evals();
	ck_assert(!auth_rl_deferred(&d));
	ck_assert_int_eq(spy_evals() - before, 1);
	ck_assert_uint_eq(d.remaining, 2);
	/* Nothing queued: nothing counted, no verdict. */
	ck_assert(!auth_rl_deferred(&d));
	ck_assert_ptr_null(d.name);
}
END_TEST

/* A count given back, on Redis and in process. */
static void
undo_case(void)
{
	static const struct auth_rl_rule u = { "user", AUTH_RL_USER, 2, 60 };
	const struct auth_rl_item s1 = { &u, "sub-1", 5, "loc-test" };
	const struct auth_rl_item s2 = { &u, "sub-2", 5, "loc-test" };
	struct auth_rl_verdict	v;

	ck_assert_uint_eq(auth_rl_check_n(&s1, 1, &v), 1);
	auth_rl_undo(&s1);
	ck_assert_uint_eq(auth_rl_check_n(&s1, 1, &v), 1);
	ck_assert_uint_eq(auth_rl_check_n(&s1, 1, &v), 1);
	ck_assert_uint_eq(v.remaining, 0);
	ck_assert_uint_eq(auth_rl_check_n(&s1, 1, &v), 0);
	auth_rl_undo(&s1);
	ck_assert_uint_eq(auth_rl_check_n(&s1, 1, &v), 1);
	/* Nothing counted: nothing to give back. */
	auth_rl_undo(&s2);
	ck_assert_uint_eq(auth_rl_check_n(&s2, 1, &v), 1);
	ck_assert_uint_eq(v.remaining, 1);
}

START_TEST(test_undo)
{
	undo_case();
	ck_assert_uint_eq(spy_nkeys("authd:rl:loc-test:user:*"), 2);
}
END_TEST

START_TEST(test_undo_fallback)
{
	rl_setup_cfg(free_port(), "", 5, 900, 100);
	undo_case();
}
END_TEST

START_TEST(test_location_parse)
{
	const struct auth_rl_location	*l, *l2;
	const char			*why;
	char				 scope[sizeof(l->scope)];
	static const char *const bad[] = {
		"", "user", "user=", "user=0/60", "ip=5/0", "ip=5/86401",
		"user=1/1, user=2/2", "admin=1/1", "ip=1/1;user=1/1",
		"ip=1/1,", "IP=1/1",
	};
	size_t				 i;

	l = auth_rl_location("user=120/60, ip=600/60", &why);
	ck_assert_ptr_nonnull(l);
	ck_assert_ptr_null(why);
	ck_assert_uint_eq(l->user.limit, 120);
	ck_assert_uint_eq(l->user.period, 60);
	ck_assert_int_eq(l->user.key, AUTH_RL_USER);
	ck_assert_str_eq(l->user.name, "user");
	ck_assert_uint_eq(l->ip.limit, 600);
	ck_assert_int_eq(l->ip.key, AUTH_RL_IP);
	snprintf(scope, sizeof(scope), "%s", l->scope);
	/* The same meaning, another spelling: the same counters. */
	l2 = auth_rl_location(" ip = 600 / 60 ,user=120/60", &why);
	ck_assert_ptr_nonnull(l2);
	ck_assert_str_eq(l2->scope, scope);
	l = auth_rl_location("ip=10/60", &why);
	ck_assert_ptr_nonnull(l);
	ck_assert_uint_eq(l->user.limit, 0);
	ck_assert_str_ne(l->scope, scope);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(auth_rl_location(bad[i], &why) == NULL, "%s",
		    bad[i]);
		ck_assert_ptr_nonnull(why);
	}
	/* More distinct values than the cache holds: each still parses. */
	for (i = 0; i < 40; i++) {
		snprintf(scope, sizeof(scope), "ip=%zu/60", i + 1);
		l = auth_rl_location(scope, &why);
		ck_assert_ptr_nonnull(l);
		ck_assert_uint_eq(l->ip.limit, i + 1);
	}
	ck_assert_uint_eq(auth_rl_location("user=120/60, ip=600/60",
	    &why)->user.limit, 120);
}
END_TEST

START_TEST(test_spacing)
{
	static const struct auth_rl_rule r = { "t_fast", AUTH_RL_IP, 4, 1 };
	int	i;

	for (i = 0; i < 4; i++)
		ck_assert(allowed(&r, "192.0.2.2"));
	ck_assert(!allowed(&r, "192.0.2.2"));
	ck_assert_uint_eq(check_str(&r, "192.0.2.2").retry_after, 1);
	/* period / limit = 250 ms later, exactly one more is allowed. */
	spy_rewind("authd:rl:t_fast:*", 270000);
	ck_assert(allowed(&r, "192.0.2.2"));
	ck_assert(!allowed(&r, "192.0.2.2"));
	/* After a whole period the full burst is back: no fixed window. */
	spy_rewind("authd:rl:t_fast:*", 1010000);
	for (i = 0; i < 4; i++)
		ck_assert(allowed(&r, "192.0.2.2"));
	ck_assert(!allowed(&r, "192.0.2.2"));
}
END_TEST

START_TEST(test_spacing_fallback)
{
	static const struct auth_rl_rule r = { "t_fast", AUTH_RL_IP, 4, 1 };
	int	i;

	/* No Redis: the in-process table on the pinned clock. */
	rl_setup_cfg(free_port(), "", 5, 900, 100);
	for (i = 0; i < 4; i++)
		ck_assert(allowed(&r, "192.0.2.2"));
	ck_assert(!allowed(&r, "192.0.2.2"));
	ck_assert_uint_eq(check_str(&r, "192.0.2.2").retry_after, 1);
	auth_clock_advance_for_test(249000);
	ck_assert(!allowed(&r, "192.0.2.2"));
	auth_clock_advance_for_test(1000);
	ck_assert(allowed(&r, "192.0.2.2"));
	ck_assert(!allowed(&r, "192.0.2.2"));
	auth_clock_advance_for_test(1000000);
	for (i = 0; i < 4; i++)
		ck_assert(allowed(&r, "192.0.2.2"));
	ck_assert(!allowed(&r, "192.0.2.2"));
	ck_assert(auth_rl_degraded());
}
END_TEST

START_TEST(test_subjects_separate)
{
	static const struct auth_rl_rule acct = { "t_acct", AUTH_RL_ACCOUNT,
	    2, 60 };
	static const struct auth_rl_rule other = { "t_other", AUTH_RL_IP,
	    5, 60 };
	int	i;

	for (i = 0; i < 5; i++)
		ck_assert(allowed(&rule_5_60, "198.51.100.1"));
	ck_assert(!allowed(&rule_5_60, "198.51.100.1"));
	ck_assert(allowed(&rule_5_60, "198.51.100.2"));
	/* Same subject, another rule: its own counter. */
	ck_assert(allowed(&other, "198.51.100.1"));

	/* Accounts are trimmed and compared case-insensitively. */
	ck_assert(allowed(&acct, "Alice@Example.COM"));
	ck_assert(allowed(&acct, "  alice@example.com\t"));
	ck_assert(!allowed(&acct, "alice@example.com"));
	ck_assert(allowed(&acct, "bob@example.com"));
	/* IPv4 text forms are canonicalised only when valid. */
	ck_assert(allowed(&rule_5_60, "not-an-ip"));
}
END_TEST

START_TEST(test_ipv6_prefix)
{
	static const struct auth_rl_rule r = { "t_v6", AUTH_RL_IP, 2, 60 };

	ck_assert(allowed(&r, "2001:db8:1:2::1"));
	ck_assert(allowed(&r, "2001:DB8:1:2:ffff:eeee:dddd:9"));
	ck_assert(!allowed(&r, "2001:0db8:0001:0002::42"));
	ck_assert(allowed(&r, "2001:db8:1:3::1"));
	ck_assert(allowed(&r, "2001:db8:2:2::1"));
	/* An IPv4-mapped address is its IPv4 address, limited alone. */
	ck_assert(allowed(&r, "::ffff:192.0.2.77"));
	ck_assert(allowed(&r, "192.0.2.77"));
	ck_assert(!allowed(&r, "192.0.2.77"));
	ck_assert(allowed(&r, "192.0.2.78"));
}
END_TEST

START_TEST(test_keys_bounded_and_expire)
{
	static const struct auth_rl_rule r = { "t_keys", AUTH_RL_ACCOUNT,
	    5, 60 };
	struct auth_rl_verdict	 v;
	redisReply		*keys;
	const char		*k;
	char			*big;
	size_t			 i, klen;
	long long		 pttl;

	big = malloc(100000);
	ck_assert_ptr_nonnull(big);
	memset(big, 'A', 100000);
	ck_assert_int_eq(auth_rl_check(&r, big, 100000, &v), AUTH_OK);
	ck_assert(v.allowed);
	free(big);
	ck_assert(allowed(&r, "alice@example.com"));
	ck_assert(allowed(AUTH_RL_RULE(AUTH_RL_VERIFY_RESEND_ACCOUNT),
	    "alice@example.com"));

	keys = spy_keys("*");
	ck_assert_uint_eq(keys->elements, 3);
	for (i = 0; i < keys->elements; i++) {
		k = keys->element[i]->str;
		klen = keys->element[i]->len;
		ck_assert_uint_le(klen, 9 + AUTH_RL_NAME_MAX + 1 + 34);
		ck_assert_msg(strncmp(k, "authd:rl:t_keys:", 16) == 0 ||
		    strncmp(k, "authd:rl:verify_resend_account:", 31) == 0,
		    "key %s", k);
		ck_assert_uint_eq(strspn(k + klen - 33, "0123456789abcdef"),
		    32);
		ck_assert(k[klen - 34] == '{' && k[klen - 1] == '}');
		ck_assert_ptr_null(strstr(k, "alice"));
		pttl = spy_int("PTTL %s", k);
		ck_assert_int_gt(pttl, 0);
		/* The key lives one emission interval after the last hit. */
		if (k[9] == 't')
			ck_assert_int_le(pttl, 12000);
		else
			ck_assert_int_le(pttl, 1200000);
	}
	freeReplyObject(keys);
}
END_TEST

START_TEST(test_noscript)
{
	int	i;

	ck_assert(allowed(&rule_5_60, "192.0.2.9"));
	spy_cmd("SCRIPT FLUSH");
	for (i = 0; i < 4; i++)
		ck_assert(allowed(&rule_5_60, "192.0.2.9"));
	ck_assert(!allowed(&rule_5_60, "192.0.2.9"));
	ck_assert(!auth_rl_degraded());
}
END_TEST

START_TEST(test_overrides)
{
	struct auth_rl_rule	 copy;
	unsigned		 limit, period;
	struct auth_config	 cfg;
	char			 err[256];

	rl_setup("login_ip=2/1, signup_ip = 7 / 30 ,login_account=1000000/86400");
	auth_rl_effective(AUTH_RL_RULE(AUTH_RL_LOGIN_IP), &limit, &period);
	ck_assert_uint_eq(limit, 2);
	ck_assert_uint_eq(period, 1);
	auth_rl_effective(AUTH_RL_RULE(AUTH_RL_SIGNUP_IP), &limit, &period);
	ck_assert_uint_eq(limit, 7);
	ck_assert_uint_eq(period, 30);
	auth_rl_effective(AUTH_RL_RULE(AUTH_RL_LOGIN_ACCOUNT), &limit, &period);
	ck_assert_uint_eq(limit, 1000000);
	ck_assert_uint_eq(period, 86400);
	auth_rl_effective(AUTH_RL_RULE(AUTH_RL_REFRESH_IP), &limit, &period);
	ck_assert_uint_eq(limit, 10);
	ck_assert_uint_eq(period, 60);
	/* A rule declared elsewhere under a known name is overridden too. */
	copy = *AUTH_RL_RULE(AUTH_RL_LOGIN_IP);
	auth_rl_effective(&copy, &limit, &period);
	ck_assert_uint_eq(limit, 2);

	ck_assert(allowed(AUTH_RL_RULE(AUTH_RL_LOGIN_IP), "192.0.2.3"));
	ck_assert(allowed(AUTH_RL_RULE(AUTH_RL_LOGIN_IP), "192.0.2.3"));
	ck_assert(!allowed(AUTH_RL_RULE(AUTH_RL_LOGIN_IP), "192.0.2.3"));
	ck_assert_uint_eq(check_str(AUTH_RL_RULE(AUTH_RL_LOGIN_IP),
	    "192.0.2.3").limit, 2);

	/* Back to the defaults. */
	rl_setup("");
	auth_rl_effective(AUTH_RL_RULE(AUTH_RL_LOGIN_IP), &limit, &period);
	ck_assert_uint_eq(limit, 5);
	ck_assert_uint_eq(period, 60);

	/* Through the config loader. */
	setenv("AUTH_RATE_LIMITS", "refresh_session=3/10", 1);
	ck_assert_int_eq(auth_config_load(&cfg, NULL, err, sizeof(err)), 0);
	unsetenv("AUTH_RATE_LIMITS");
	ck_assert_int_eq(auth_rl_init(&cfg, err, sizeof(err)), 0);
	auth_rl_effective(AUTH_RL_RULE(AUTH_RL_REFRESH_SESSION), &limit,
	    &period);
	ck_assert_uint_eq(limit, 3);
	ck_assert_uint_eq(period, 10);
}
END_TEST

static const char *const bad_overrides[] = {
	"login_ip",
	"login_ip=",
	"login_ip=5",
	"login_ip=5/",
	"login_ip=/60",
	"login_ip=0/60",
	"login_ip=5/0",
	"login_ip=1000001/60",
	"login_ip=5/86401",
	"login_ip=-5/60",
	"login_ip=+5/60",
	"login_ip=5.0/60",
	"login_ip=5/60s",
	"login_ip=99999999999999999999/60",
	"login_ip=5/60,",
	"login_ip=5/60,,signup_ip=1/1",
	",login_ip=5/60",
	"login_ip=5/60;signup_ip=1/1",
	"login_ip=5/60 signup_ip=1/1",
	"LOGIN_IP=5/60",
	"nosuch_rule=5/60",
	"login_ip=5/60, login_ip=6/60",
	"login=5/60",
	"login_ip_and_a_name_that_is_far_too_long=5/60",
	"OFF",
	"offf",
	"off,",
	"off, login_ip=5/60",
	"login_ip=5/60, off",
	"of f",
};

START_TEST(test_bad_override)
{
	struct auth_config	 cfg;
	const char		*why;
	char			 err[256];

	why = auth_rl_overrides_check(bad_overrides[_i]);
	ck_assert_msg(why != NULL, "accepted '%s'", bad_overrides[_i]);
	ck_assert_ptr_null(strchr(why, '\n'));
	ck_assert_ptr_null(strstr(why, "login_ip"));

	auth_config_defaults(&cfg);
	snprintf(cfg.rate_limits, sizeof(cfg.rate_limits), "%s",
	    bad_overrides[_i]);
	ck_assert_int_eq(auth_rl_init(&cfg, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "rate_limits "));

	setenv("AUTH_RATE_LIMITS", bad_overrides[_i], 1);
	ck_assert_int_eq(auth_config_load(&cfg, NULL, err, sizeof(err)), -1);
	unsetenv("AUTH_RATE_LIMITS");
	ck_assert_msg(strncmp(err, "environment variable AUTH_RATE_LIMITS: "
	    "rate_limits ", 51) == 0, "err '%s'", err);
}
END_TEST

START_TEST(test_good_overrides)
{
	ck_assert_ptr_null(auth_rl_overrides_check(""));
	ck_assert_ptr_null(auth_rl_overrides_check("   "));
	ck_assert_ptr_null(auth_rl_overrides_check("login_ip=1/1"));
	ck_assert_ptr_null(auth_rl_overrides_check(
	    " login_ip = 1000000 / 86400 ,\tlogout_ip=1/1 "));
	ck_assert_ptr_null(auth_rl_overrides_check("off"));
	ck_assert_ptr_null(auth_rl_overrides_check(" off\t"));
}
END_TEST

START_TEST(test_headers)
{
	struct auth_rl_verdict	v;
	struct auth_resp	rs;
	int			i;

	auth_resp_init(&rs);
	memset(&v, 0, sizeof(v));
	v.allowed = true;
	v.limit = 5;
	v.period = 60;
	v.remaining = 4;
	v.reset = 12;
	v.name = "login_ip";
	auth_rl_headers(&v, &rs);
	rs.headers[rs.headers_len] = '\0';
	ck_assert_str_eq(rs.headers,
	    "RateLimit-Policy: \"login_ip\";q=5;w=60\r\n"
	    "RateLimit: \"login_ip\";r=4;t=12\r\n");
	auth_resp_free(&rs);

	for (i = 0; i < 6; i++)
		v = check_str(AUTH_RL_RULE(AUTH_RL_LOGIN_IP), "192.0.2.5");
	ck_assert(!v.allowed);
	auth_resp_init(&rs);
	auth_rl_headers(&v, &rs);
	rs.headers[rs.headers_len] = '\0';
	ck_assert_ptr_nonnull(strstr(rs.headers,
	    "RateLimit-Policy: \"login_ip\";q=5;w=60\r\n"));
	ck_assert_ptr_nonnull(strstr(rs.headers,
	    "RateLimit: \"login_ip\";r=0;t=60\r\n"));
	ck_assert_ptr_nonnull(strstr(rs.headers, "Retry-After: 12\r\n"));
	auth_resp_free(&rs);

	/* Retry-After is never 0 on a refusal. */
	v.retry_after = 0;
	auth_resp_init(&rs);
	auth_rl_headers(&v, &rs);
	rs.headers[rs.headers_len] = '\0';
	ck_assert_ptr_nonnull(strstr(rs.headers, "Retry-After: 1\r\n"));
	auth_resp_free(&rs);

	/* An account's or a session's rule tells when, never its state. */
	for (i = 0; i < 4; i++)
		v = check_str(AUTH_RL_RULE(AUTH_RL_FORGOT_ACCOUNT),
		    "hdr@example.com");
	ck_assert(!v.allowed);
	ck_assert_int_eq(v.key, AUTH_RL_ACCOUNT);
	auth_resp_init(&rs);
	auth_rl_headers(&v, &rs);
	rs.headers[rs.headers_len] = '\0';
	ck_assert_msg(strncmp(rs.headers, "Retry-After: ", 13) == 0 &&
	    strchr(rs.headers, '\n') == rs.headers + rs.headers_len - 1,
	    "%s", rs.headers);
	auth_resp_free(&rs);
	v = check_str(AUTH_RL_RULE(AUTH_RL_REFRESH_SESSION), "sid-1");
	ck_assert(v.allowed);
	auth_resp_init(&rs);
	auth_rl_headers(&v, &rs);
	ck_assert_uint_eq(rs.headers_len, 0);
	auth_resp_free(&rs);
}
END_TEST

/* ---- brute force ---------------------------------------------------------- */

static enum auth_err
bf_gate(const char *acct, const char *ip, unsigned *ra)
{
	struct auth_rl_verdict	v;
	enum auth_err		e;
	bool			known;

	e = auth_rl_login_gate(acct, strlen(acct), ip, NULL, &v, &known);
	*ra = v.retry_after;
	if (e == AUTH_OK)
		ck_assert(v.allowed && v.name == NULL);
	else
		ck_assert(!v.allowed && v.name == NULL && v.retry_after >= 1);
	return e;
}


static bool
bf_fail(const char *acct, const char *ip)
{
	return auth_rl_login_failed(acct, strlen(acct), ip);
}

static const struct auth_rl_rule rule_acct = { "t_acct", AUTH_RL_ACCOUNT, 2,
    60 };

/* The login gate with the IP rule rule_a deferred for ip, as login has it. */
static enum auth_err
login_gate(const char *acct, const char *ip, struct auth_rl_verdict *v,
    bool *known)
{
	ck_assert_int_eq(auth_rl_defer(&rule_a, ip, strlen(ip)), 0);
	return auth_rl_login_gate(acct, strlen(acct), ip, &rule_acct, v,
	    known);
}

/*
 * The deferred IP rule, the lockout and the account rule in one call, in
 * that order: a refusal ends the count, a known-good address skips the
 * account rule, a lockout too. redis: whether Redis answers.
 */
static void
login_gate_case(bool redis)
{
	struct auth_rl_verdict	v, d;
	long long		before = redis ? spy_evals() : 0;
	bool			known;
	int			i;

	/* The account rule counts: 2 per minute. */
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(login_gate("g@example.com", "203.0.113.21", &v,
		    &known), AUTH_OK);
		ck_assert(!known);
		ck_assert_str_eq(v.name, "t_acct");
		ck_assert_uint_eq(v.remaining, 1 - (unsigned)i);
		ck_assert(!auth_rl_deferred(&d));
		ck_assert_str_eq(d.name, "t_a");
		ck_assert_uint_eq(d.remaining, 2 - (unsigned)i);
	}
	if (redis)
		ck_assert_int_eq(spy_evals() - before, 2);
	/* The account rule refuses, after the IP rule counted the request. */
	ck_assert_int_eq(login_gate("g@example.com", "203.0.113.21", &v,
	    &known), AUTH_ERR_RATE_LIMITED);
	ck_assert_str_eq(v.name, "t_acct");
	ck_assert_uint_ge(v.retry_after, 1);
	ck_assert(!auth_rl_deferred(&d));
	ck_assert_uint_eq(d.remaining, 0);
	/* The IP rule refuses: the gate's verdict and the queue's. */
	ck_assert_int_eq(login_gate("h@example.com", "203.0.113.21", &v,
	    &known), AUTH_ERR_RATE_LIMITED);
	ck_assert_str_eq(v.name, "t_a");
	ck_assert(auth_rl_deferred(&d));
	ck_assert_str_eq(d.name, "t_a");
	/* ... and h@ was not counted: both its requests still pass. */
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(login_gate("h@example.com", "203.0.113.22",
		    &v, &known), AUTH_OK);
		ck_assert(!auth_rl_deferred(&d));
	}

	/* A known-good address skips the account rule and the lockout. */
	auth_rl_login_succeeded("k@example.com", 13, "198.51.100.21");
	auth_rl_login_succeeded("k@example.com", 13, "198.51.100.24");
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(login_gate("k@example.com", "198.51.100.21",
		    &v, &known), AUTH_OK);
		ck_assert(known);
		ck_assert_ptr_null(v.name);
		ck_assert(!auth_rl_deferred(&d));
		ck_assert_uint_eq(d.remaining, 2 - (unsigned)i);
	}
	for (i = 0; i < 3; i++)
		bf_fail("k@example.com", "203.0.113.23");
	ck_assert_int_eq(login_gate("k@example.com", "198.51.100.23", &v,
	    &known), AUTH_ERR_RATE_LIMITED);
	ck_assert(!known);
	/* A lockout: refused without a rule's name; the IP rule counted. */
	ck_assert_ptr_null(v.name);
	ck_assert_uint_ge(v.retry_after, 1);
	ck_assert(!auth_rl_deferred(&d));
	ck_assert_uint_eq(d.remaining, 2);
	ck_assert_int_eq(login_gate("k@example.com", "198.51.100.24", &v,
	    &known), AUTH_OK);
	ck_assert(known);
	(void)auth_rl_deferred(&d);
}

START_TEST(test_login_gate_one_call)
{
	rl_setup_cfg(srv_port, "", 3, 900, 500);
	login_gate_case(true);
	ck_assert(!auth_rl_degraded());
	/* The locked account's rule was not counted: g@ and h@ only. */
	ck_assert_uint_eq(spy_nkeys("authd:rl:t_acct:*"), 2);
}
END_TEST

START_TEST(test_login_gate_fallback)
{
	rl_setup_cfg(free_port(), "", 3, 900, 500);
	login_gate_case(false);
	ck_assert(auth_rl_degraded());
}
END_TEST

/* Threshold 3, cap 10 s: delays 1, 2, 4, 8, then 10 s. */
static void
lockout_sequence(void)
{
	static const unsigned	want[] = { 1, 2, 4, 8, 10, 10, 10 };
	const char		*acct = "victim@example.com";
	unsigned		 ra, i;

	ck_assert(!bf_fail(acct, "203.0.113.1"));
	ck_assert(!bf_fail(acct, "203.0.113.2"));
	ck_assert_int_eq(bf_gate(acct, "203.0.113.3", &ra), AUTH_OK);
	ck_assert_uint_eq(ra, 0);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		/* The account, however it is spelled. */
		ck_assert(bf_fail(i % 2 ? "VICTIM@example.com " : acct,
		    "203.0.113.4"));
		ck_assert_int_eq(bf_gate(acct, "203.0.113.5", &ra),
		    AUTH_ERR_RATE_LIMITED);
		ck_assert_uint_eq(ra, want[i]);
		ck_assert_int_eq(bf_gate(acct, NULL, &ra), AUTH_ERR_RATE_LIMITED);
	}
	/* Other accounts are not affected. */
	ck_assert_int_eq(bf_gate("other@example.com", "203.0.113.5", &ra),
	    AUTH_OK);
}

/*
 * rate_limits = off: every check allows without a rule name (so no
 * RateLimit headers), no login is delayed, and Redis is not touched.
 */
START_TEST(test_off)
{
	struct auth_rl_verdict	 v;
	struct auth_resp	 rs;
	unsigned		 ra;
	int			 i;

	rl_setup("off");
	ck_assert(auth_rl_off());
	for (i = 0; i < 50; i++) {
		v = check_str(AUTH_RL_RULE(AUTH_RL_LOGIN_IP), "192.0.2.40");
		ck_assert(v.allowed);
		ck_assert_ptr_null(v.name);
		ck_assert_uint_eq(v.retry_after, 0);
		ck_assert(!bf_fail("off@example.com", "192.0.2.40"));
	}
	ck_assert_int_eq(bf_gate("off@example.com", "192.0.2.41", &ra), AUTH_OK);
	ck_assert_uint_eq(ra, 0);
	auth_rl_login_succeeded("off@example.com", 15, "192.0.2.40");
	auth_resp_init(&rs);
	auth_rl_headers(&v, &rs);
	ck_assert_uint_eq(rs.headers_len, 0);
	auth_resp_free(&rs);
	ck_assert_uint_eq(spy_nkeys("authd:*"), 0);
	ck_assert(!auth_rl_degraded());

	/* Back on: the same subject is limited from its first request. */
	rl_setup("");
	ck_assert(!auth_rl_off());
	for (i = 0; i < 5; i++)
		ck_assert(allowed(AUTH_RL_RULE(AUTH_RL_LOGIN_IP), "192.0.2.40"));
	ck_assert(!allowed(AUTH_RL_RULE(AUTH_RL_LOGIN_IP), "192.0.2.40"));
}
END_TEST

START_TEST(test_lockout_grows_capped)
{
	redisReply	*keys;

	rl_setup_cfg(srv_port, "", 3, 10, 500);
	lockout_sequence();
	ck_assert(!auth_rl_degraded());
	keys = spy_keys("authd:bf:*");
	ck_assert_uint_eq(keys->elements, 1);
	ck_assert_uint_eq(keys->element[0]->len, 9 + 34);
	ck_assert_ptr_null(strstr(keys->element[0]->str, "victim"));
	ck_assert_int_gt(spy_int("PTTL %s", keys->element[0]->str), 0);
	ck_assert_int_le(spy_int("PTTL %s", keys->element[0]->str),
	    (900 + 10) * 1000);
	freeReplyObject(keys);
}
END_TEST

START_TEST(test_lockout_expires)
{
	unsigned	ra;

	rl_setup_cfg(srv_port, "", 1, 900, 500);
	ck_assert(bf_fail("a@example.com", "203.0.113.1"));
	ck_assert_int_eq(bf_gate("a@example.com", "203.0.113.1", &ra),
	    AUTH_ERR_RATE_LIMITED);
	ck_assert_uint_eq(ra, 1);
	spy_rewind("authd:bf:*", 1050000);
	ck_assert_int_eq(bf_gate("a@example.com", "203.0.113.1", &ra), AUTH_OK);
}
END_TEST

START_TEST(test_lockout_expires_fallback)
{
	unsigned	ra;

	rl_setup_cfg(free_port(), "", 1, 900, 100);
	ck_assert(bf_fail("a@example.com", "203.0.113.1"));
	ck_assert_int_eq(bf_gate("a@example.com", "203.0.113.1", &ra),
	    AUTH_ERR_RATE_LIMITED);
	ck_assert_uint_eq(ra, 1);
	auth_clock_advance_for_test(999000);
	ck_assert_int_eq(bf_gate("a@example.com", "203.0.113.1", &ra),
	    AUTH_ERR_RATE_LIMITED);
	auth_clock_advance_for_test(1000);
	ck_assert_int_eq(bf_gate("a@example.com", "203.0.113.1", &ra), AUTH_OK);
	ck_assert(auth_rl_degraded());
}
END_TEST

START_TEST(test_known_good_ip)
{
	const char	*acct = "owner@example.com";
	redisReply	*keys;
	unsigned	 ra;
	int		 i;

	rl_setup_cfg(srv_port, "", 3, 900, 500);
	auth_rl_login_succeeded(acct, strlen(acct), "198.51.100.7");
	auth_rl_login_succeeded(acct, strlen(acct), "2001:db8:5:6::1");
	for (i = 0; i < 6; i++)
		bf_fail(acct, "203.0.113.66");
	ck_assert_int_eq(bf_gate(acct, "203.0.113.66", &ra),
	    AUTH_ERR_RATE_LIMITED);
	ck_assert_uint_ge(ra, 8);
	ck_assert_int_eq(bf_gate(acct, "198.51.100.7", &ra), AUTH_OK);
	ck_assert_int_eq(bf_gate(acct, "198.51.100.8", &ra),
	    AUTH_ERR_RATE_LIMITED);
	/* Known per /64. */
	ck_assert_int_eq(bf_gate(acct, "2001:db8:5:6:abcd::2", &ra), AUTH_OK);
	ck_assert_int_eq(bf_gate(acct, "2001:db8:5:7::1", &ra),
	    AUTH_ERR_RATE_LIMITED);
	/* Known for this account only. */
	for (i = 0; i < 3; i++)
		bf_fail("other@example.com", "203.0.113.66");
	ck_assert_int_eq(bf_gate("other@example.com", "198.51.100.7", &ra),
	    AUTH_ERR_RATE_LIMITED);

	keys = spy_keys("authd:bf:ok:*");
	ck_assert_uint_eq(keys->elements, 2);
	ck_assert_uint_eq(keys->element[0]->len, 12 + 34 + 1 + 32);
	ck_assert_int_gt(spy_int("TTL %s", keys->element[0]->str),
	    30 * 86400 - 10);
	ck_assert_int_le(spy_int("TTL %s", keys->element[0]->str), 30 * 86400);
	freeReplyObject(keys);
}
END_TEST

/*
 * Behind a proxy that forwards no X-Forwarded-For every client is the
 * proxy: its address, a trusted proxy's or loopback, is never known good.
 */
START_TEST(test_known_good_never_a_proxy)
{
	const char		*acct = "proxied@example.com";
	static const char *const shared[] = { "127.0.0.1", "127.9.9.9",
	    "::1", "10.9.1.1" };
	struct auth_config	 cfg;
	char			 err[256];
	unsigned		 ra, i;

	auth_config_defaults(&cfg);
	snprintf(cfg.redis_url, sizeof(cfg.redis_url),
	    "redis://127.0.0.1:%d", srv_port);
	snprintf(cfg.trusted_proxies, sizeof(cfg.trusted_proxies),
	    "10.9.0.0/16");
	cfg.login_lockout_threshold = 3;
	auth_redis_init(&cfg);
	ck_assert_msg(auth_rl_init(&cfg, err, sizeof(err)) == 0, "%s", err);
	for (i = 0; i < 4; i++)
		auth_rl_login_succeeded(acct, strlen(acct), shared[i]);
	auth_rl_login_succeeded(acct, strlen(acct), "10.8.1.1");
	for (i = 0; i < 3; i++)
		bf_fail(acct, "203.0.113.66");
	for (i = 0; i < 4; i++)
		ck_assert_msg(bf_gate(acct, shared[i], &ra) ==
		    AUTH_ERR_RATE_LIMITED, "%s is exempt", shared[i]);
	/* A private address that is no proxy is a client like any other. */
	ck_assert_int_eq(bf_gate(acct, "10.8.1.1", &ra), AUTH_OK);
	ck_assert_uint_eq(spy_nkeys("authd:bf:ok:*"), 1);
}
END_TEST

START_TEST(test_success_resets)
{
	const char	*acct = "r@example.com";
	unsigned	 ra;
	int		 i;

	rl_setup_cfg(srv_port, "", 3, 900, 500);
	for (i = 0; i < 5; i++)
		bf_fail(acct, "203.0.113.9");
	ck_assert_int_eq(bf_gate(acct, "203.0.113.10", &ra),
	    AUTH_ERR_RATE_LIMITED);
	auth_rl_login_succeeded(acct, strlen(acct), NULL);
	ck_assert_int_eq(bf_gate(acct, "203.0.113.10", &ra), AUTH_OK);
	/* The count starts again from zero. */
	ck_assert(!bf_fail(acct, "203.0.113.9"));
	ck_assert(!bf_fail(acct, "203.0.113.9"));
	ck_assert(bf_fail(acct, "203.0.113.9"));
	ck_assert_int_eq(bf_gate(acct, "203.0.113.10", &ra),
	    AUTH_ERR_RATE_LIMITED);
	ck_assert_uint_eq(ra, 1);
}
END_TEST

/* ---- Redis outage ----------------------------------------------------------- */

/* Counts lines containing needle in file. */
static int
count_in_file(const char *path, const char *needle)
{
	char	 line[4096];
	FILE	*f = fopen(path, "r");
	int	 n = 0;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, needle) != NULL)
			n++;
	fclose(f);
	return n;
}

START_TEST(test_fallback)
{
	static const struct auth_rl_rule r = { "t_fb", AUTH_RL_IP, 3, 60 };
	char		 dir[96], logpath[128];
	const char	*acct = "fb@example.com";
	redisContext	*c;
	unsigned	 ra;
	long long	 t0;
	pid_t		 pid;
	int		 port, i, saved, fd;

	snprintf(dir, sizeof(dir), "%s/fb", srv_dir);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	snprintf(logpath, sizeof(logpath), "%s/stderr.log", dir);
	port = free_port();
	ck_assert_int_gt(port, 0);
	pid = redis_start(port, dir);
	fb_remember(pid);
	ck_assert_int_gt(pid, 0);
	rl_setup_cfg(port, "", 3, 900, 200);

	/* Capture the log lines. */
	fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	saved = dup(2);
	dup2(fd, 2);
	close(fd);

	ck_assert(allowed(&r, "192.0.2.50"));
	ck_assert(!auth_rl_degraded());

	/* Down: answers keep coming, from the process, still limited. */
	redis_kill(pid);
	ck_assert(allowed(&r, "192.0.2.51"));
	ck_assert(auth_rl_degraded());
	ck_assert(allowed(&r, "192.0.2.51"));
	ck_assert(allowed(&r, "192.0.2.51"));
	ck_assert(!allowed(&r, "192.0.2.51"));
	ck_assert_uint_ge(check_str(&r, "192.0.2.51").retry_after, 19);
	ck_assert(allowed(&r, "192.0.2.52"));
	/* No connection attempt per request while degraded. */
	t0 = now_ms();
	for (i = 0; i < 1000; i++)
		(void)check_str(&r, "192.0.2.53");
	ck_assert_int_lt(now_ms() - t0, 200);

	/* Brute-force state in process too. */
	for (i = 0; i < 5; i++)
		bf_fail(acct, "203.0.113.1");
	ck_assert_int_eq(bf_gate(acct, "203.0.113.1", &ra), AUTH_ERR_RATE_LIMITED);
	ck_assert_uint_eq(ra, 4);
	auth_rl_login_succeeded(acct, strlen(acct), "198.51.100.1");
	ck_assert_int_eq(bf_gate(acct, "203.0.113.1", &ra), AUTH_OK);
	for (i = 0; i < 6; i++)
		bf_fail(acct, "203.0.113.1");
	ck_assert_int_eq(bf_gate(acct, "203.0.113.1", &ra), AUTH_ERR_RATE_LIMITED);
	ck_assert_int_eq(bf_gate(acct, "198.51.100.1", &ra), AUTH_OK);

	/* Retried once a second: still down, still one log line. */
	auth_clock_advance_for_test(1100000);
	ck_assert(!allowed(&r, "192.0.2.51"));
	ck_assert(auth_rl_degraded());

	/* Back: used again by itself after the retry interval. */
	pid = redis_start(port, dir);
	fb_remember(pid);
	ck_assert_int_gt(pid, 0);
	auth_clock_advance_for_test(1100000);
	ck_assert(allowed(&r, "192.0.2.51"));	/* Redis has no count yet */
	ck_assert(!auth_rl_degraded());
	c = spy;
	spy = connect_spy(port);
	ck_assert_ptr_nonnull(spy);
	ck_assert_uint_eq(spy_nkeys("authd:rl:t_fb:*"), 1);

	/* Slow: a stopped server times out once, then costs nothing. */
	kill(pid, SIGSTOP);
	t0 = now_ms();
	ck_assert(allowed(&r, "192.0.2.60"));
	ck_assert_int_ge(now_ms() - t0, 150);
	ck_assert_int_lt(now_ms() - t0, 1000);
	ck_assert(auth_rl_degraded());
	t0 = now_ms();
	for (i = 0; i < 100; i++)
		(void)check_str(&r, "192.0.2.61");
	ck_assert_int_lt(now_ms() - t0, 100);
	kill(pid, SIGCONT);
	auth_clock_advance_for_test(1100000);
	ck_assert(allowed(&r, "192.0.2.62"));
	ck_assert(!auth_rl_degraded());

	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	/* Two outages within 30 s: logged once. */
	ck_assert_int_eq(count_in_file(logpath, "limits kept in process"), 1);
	ck_assert_int_ge(count_in_file(logpath, "ratelimit: redis is back"), 1);

	redisFree(spy);
	spy = c;
	auth_redis_close();
	redis_kill(pid);
}
END_TEST

START_TEST(test_fallback_lockout)
{
	/* No Redis at all: the same delays from the in-process table. */
	rl_setup_cfg(free_port(), "", 3, 10, 100);
	lockout_sequence();
	ck_assert(auth_rl_degraded());
}
END_TEST

/* ---- limits ------------------------------------------------------------------ */

START_TEST(test_known_rules)
{
	const struct auth_rl_rule	*r;
	size_t				 i, j, n;

	for (i = 0; i < AUTH_RL_ID__MAX; i++) {
		r = &auth_rl_known_rules[i];
		n = strlen(r->name);
		ck_assert_uint_ge(n, 1);
		ck_assert_uint_le(n, AUTH_RL_NAME_MAX);
		ck_assert_uint_eq(strspn(r->name,
		    "abcdefghijklmnopqrstuvwxyz0123456789_"), n);
		ck_assert_uint_ge(r->limit, 1);
		ck_assert_uint_le(r->limit, AUTH_RL_LIMIT_MAX);
		ck_assert_uint_ge(r->period, 1);
		ck_assert_uint_le(r->period, AUTH_RL_PERIOD_MAX);
		ck_assert_uint_lt(r->key, AUTH_RL_KEY__MAX);
		ck_assert_ptr_eq(auth_rl_rule(r->name), r);
		for (j = 0; j < i; j++)
			ck_assert_str_ne(auth_rl_known_rules[j].name, r->name);
	}
	ck_assert_ptr_null(auth_rl_rule("nope"));
	ck_assert_ptr_null(auth_rl_rule(""));
	/* The floor. */
	r = AUTH_RL_RULE(AUTH_RL_LOGIN_IP);
	ck_assert(r->limit == 5 && r->period == 60 && r->key == AUTH_RL_IP);
	r = AUTH_RL_RULE(AUTH_RL_SIGNUP_IP);
	ck_assert(r->limit == 3 && r->period == 60);
	r = AUTH_RL_RULE(AUTH_RL_REFRESH_IP);
	ck_assert(r->limit == 10 && r->period == 60);
	r = AUTH_RL_RULE(AUTH_RL_REFRESH_SESSION);
	ck_assert(r->key == AUTH_RL_SESSION);
	r = AUTH_RL_RULE(AUTH_RL_FORGOT_ACCOUNT);
	ck_assert(r->limit == 3 && r->period == 3600 &&
	    r->key == AUTH_RL_ACCOUNT);
}
END_TEST

START_TEST(test_nul_and_empty_subject)
{
	static const struct auth_rl_rule r = { "t_nul", AUTH_RL_ACCOUNT,
	    1, 60 };
	struct auth_rl_verdict	v;

	/* A NUL ends the subject: appending junk does not evade the limit. */
	ck_assert_int_eq(auth_rl_check(&r, "eve@example.com\0x", 17, &v),
	    AUTH_OK);
	ck_assert(v.allowed);
	ck_assert_int_eq(auth_rl_check(&r, "eve@example.com\0y", 17, &v),
	    AUTH_OK);
	ck_assert(!v.allowed);
	ck_assert(!allowed(&r, "eve@example.com"));
	ck_assert_int_eq(auth_rl_check(&r, NULL, 0, &v), AUTH_OK);
	ck_assert(v.allowed);
	ck_assert_int_eq(auth_rl_check(&r, "", 0, &v), AUTH_OK);
	ck_assert(!v.allowed);
	/* IP kind: junk and over-long text is hashed, never parsed past. */
	ck_assert(allowed(&rule_5_60, "1.2.3.4\0garbage"));
	ck_assert(allowed(&rule_5_60,
	    "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255%eth0-and-more"));
}
END_TEST

START_TEST(test_zero_and_huge_rules)
{
	static const struct auth_rl_rule zero = { "t_zero", AUTH_RL_IP, 0, 0 };
	static const struct auth_rl_rule wild = { "t_wild", AUTH_RL_IP,
	    4000000000u, 4000000000u };
	static const struct auth_rl_rule evil = { "x\r\nInjected: 1",
	    AUTH_RL_IP, 1, 60 };
	static const struct auth_rl_rule none = { NULL, AUTH_RL_SESSION,
	    1, 60 };
	struct auth_rl_verdict	v;
	struct auth_resp	rs;

	/* Zero is refused by the config ... */
	ck_assert_ptr_nonnull(auth_rl_overrides_check("login_ip=0/60"));
	ck_assert_ptr_nonnull(auth_rl_overrides_check("login_ip=1/0"));
	/* ... and a bad static rule is clamped, never a division by zero. */
	v = check_str(&zero, "192.0.2.1");
	ck_assert(v.allowed);
	ck_assert_uint_eq(v.limit, 1);
	ck_assert_uint_eq(v.period, 1);
	ck_assert(!allowed(&zero, "192.0.2.1"));
	v = check_str(&wild, "192.0.2.1");
	ck_assert(v.allowed);
	ck_assert_uint_eq(v.limit, AUTH_RL_LIMIT_MAX);
	ck_assert_uint_eq(v.period, AUTH_RL_PERIOD_MAX);

	/* A name unfit for a key or a header is replaced. */
	v = check_str(&evil, "192.0.2.1");
	ck_assert_str_eq(v.name, "limit");
	v = check_str(&evil, "192.0.2.1");
	ck_assert(!v.allowed);
	auth_resp_init(&rs);
	auth_rl_headers(&v, &rs);
	rs.headers[rs.headers_len] = '\0';
	ck_assert_ptr_null(strstr(rs.headers, "Injected"));
	ck_assert_ptr_nonnull(strstr(rs.headers, "Retry-After: "));
	auth_resp_free(&rs);
	ck_assert(check_str(&none, "s").allowed);
}
END_TEST

START_TEST(test_memory_table_bounded)
{
	static const struct auth_rl_rule r = { "t_mem", AUTH_RL_IP, 2, 3600 };
	char		ip[32];
	unsigned	i, refused = 0;

	/* No Redis at all: the fixed table never grows. */
	rl_setup_cfg(free_port(), "", 5, 900, 100);
	for (i = 0; i < 50000; i++) {
		snprintf(ip, sizeof(ip), "10.%u.%u.%u", i >> 16,
		    (i >> 8) & 255, i & 255);
		refused += !allowed(&r, ip);
	}
	ck_assert(auth_rl_degraded());
	/* Subjects that used one of two requests hold no slot: the table
	 * takes every new one. */
	ck_assert_uint_eq(refused, 0);
	/* Recent subjects are still remembered, most of them at least. */
	for (i = 49000; i < 50000; i++) {
		snprintf(ip, sizeof(ip), "10.%u.%u.%u", i >> 16,
		    (i >> 8) & 255, i & 255);
		refused += allowed(&r, ip) && !allowed(&r, ip);
	}
	ck_assert_uint_gt(refused, 500);
}
END_TEST

/*
 * A flood of subjects while Redis is down cannot flush the table: a subject
 * at its limit, a failure count and a known-good address keep their slots,
 * and once the table is full of them, new subjects and logins are refused.
 */
START_TEST(test_fallback_not_flushed)
{
	static const struct auth_rl_rule r = { "t_fl", AUTH_RL_IP, 1, 3600 };
	const char	*victim = "victim@example.com";
	const char	*owner = "owner@example.com";
	char		 s[48];
	unsigned	 i, ra, refused = 0;

	rl_setup_cfg(free_port(), "", 3, 900, 100);
	ck_assert(allowed(&r, "192.0.2.1"));
	ck_assert(!allowed(&r, "192.0.2.1"));
	for (i = 0; i < 3; i++)
		bf_fail(victim, "203.0.113.1");
	ck_assert_int_eq(bf_gate(victim, "203.0.113.1", &ra),
	    AUTH_ERR_RATE_LIMITED);
	auth_rl_login_succeeded(owner, strlen(owner), "198.51.100.1");
	for (i = 0; i < 3; i++)
		bf_fail(owner, "203.0.113.1");
	ck_assert(auth_rl_degraded());

	/* The flood: 8 times each table's size of fresh subjects. */
	for (i = 0; i < 8 * 4096; i++) {
		snprintf(s, sizeof(s), "10.%u.%u.%u", i >> 16,
		    (i >> 8) & 255, i & 255);
		refused += !allowed(&r, s);
		snprintf(s, sizeof(s), "flood%u@example.com", i);
		bf_fail(s, "203.0.113.2");
		snprintf(s, sizeof(s), "mine%u@example.com", i);
		auth_rl_login_succeeded(s, strlen(s), "198.51.100.2");
	}
	/* The table filled up, and then refused the rest. */
	ck_assert_uint_gt(refused, 4 * 4096);
	ck_assert(!allowed(&r, "192.0.2.1"));
	ck_assert(!allowed(&r, "192.0.2.250"));
	/* The victim's lockout held; the owner's address is still known. */
	auth_clock_advance_for_test(500000);
	ck_assert_int_eq(bf_gate(victim, "203.0.113.3", &ra),
	    AUTH_ERR_RATE_LIMITED);
	ck_assert_int_eq(bf_gate(owner, "198.51.100.1", &ra), AUTH_OK);
	/* A login with no room to count its failure waits (fail closed). */
	ck_assert_int_eq(bf_gate("new@example.com", "203.0.113.4", &ra),
	    AUTH_ERR_RATE_LIMITED);
	ck_assert_uint_ge(ra, 1);

	/* Once the holds pass, the table takes new subjects again. */
	auth_clock_advance_for_test((int64_t)3601 * 1000000);
	ck_assert(allowed(&r, "192.0.2.250"));
	ck_assert_int_eq(bf_gate("new@example.com", "203.0.113.4", &ra),
	    AUTH_OK);
}
END_TEST

/* ---- key names and AUTH ------------------------------------------------- */

/* The hex of the unkeyed SHA-256 of s, as far as a key name holds it. */
static void
plain_hex(const char *s, char hex[33])
{
	unsigned char	md[AUTH_HASH_LEN];

	auth_sha256(s, strlen(s), md);
	auth_hex(md, 16, hex);
}

/*
 * Key names hold an HMAC of the subject under hmac_key_file, never its
 * plain digest (an observer of Redis could test emails against that); the
 * keys of one login share one hash tag (Redis Cluster).
 */
START_TEST(test_keys_keyed_and_tagged)
{
	redisReply	*keys;
	char		 plain[33], okey[128], first[128];
	const char	*k, *tag;
	unsigned	 ra;
	size_t		 i;

	plain_hex("alice@example.com", plain);
	ck_assert(allowed(AUTH_RL_RULE(AUTH_RL_LOGIN_ACCOUNT),
	    "alice@example.com"));
	bf_fail("alice@example.com", "203.0.113.9");
	auth_rl_login_succeeded("alice@example.com", 17, "203.0.113.9");
	ck_assert_int_eq(bf_gate("alice@example.com", "203.0.113.9", &ra),
	    AUTH_OK);
	keys = spy_keys("authd:*");
	ck_assert_uint_ge(keys->elements, 2);
	okey[0] = first[0] = '\0';
	for (i = 0; i < keys->elements; i++) {
		k = keys->element[i]->str;
		ck_assert_msg(strstr(k, plain) == NULL, "%s is unkeyed", k);
		ck_assert_ptr_nonnull(strchr(k, '{'));
		if (strncmp(k, "authd:rl:login_account:", 23) == 0)
			snprintf(first, sizeof(first), "%s", k);
		else if (strncmp(k, "authd:bf:ok:", 12) == 0)
			snprintf(okey, sizeof(okey), "%s", k);
	}
	freeReplyObject(keys);
	ck_assert_str_ne(first, "");
	ck_assert_str_ne(okey, "");
	/* The account's keys carry one tag: the failure key's is checked
	 * by bf_gate above (one script, both keys). */
	tag = strchr(okey, '{');
	ck_assert_int_eq(strncmp(tag, strchr(first, '{'), 34), 0);

	/* Another HMAC key: other names for the same subject. */
	spy_cmd("FLUSHALL");
	ck_assert_int_eq(auth_hmac_key_load(hmac2_path, plain, sizeof(plain)),
	    0);
	ck_assert(allowed(AUTH_RL_RULE(AUTH_RL_LOGIN_ACCOUNT),
	    "alice@example.com"));
	ck_assert_int_eq(spy_int("EXISTS %s", first), 0);
	ck_assert_int_eq(auth_hmac_key_load(hmac_path, plain, sizeof(plain)),
	    0);
	ck_assert(allowed(AUTH_RL_RULE(AUTH_RL_LOGIN_ACCOUNT),
	    "alice@example.com"));
	ck_assert_int_eq(spy_int("EXISTS %s", first), 1);
}
END_TEST

/* Sets redis_url (and redis_password_file) and PINGs through them. */
static struct auth_config rl_cfg;

static enum auth_err
ping_as(const char *url, const char *pwfile)
{
	auth_config_defaults(&rl_cfg);
	snprintf(rl_cfg.redis_url, sizeof(rl_cfg.redis_url), "%s", url);
	snprintf(rl_cfg.redis_password_file,
	    sizeof(rl_cfg.redis_password_file), "%s", pwfile);
	auth_redis_init(&rl_cfg);
	return auth_redis_ping();
}

/* Writes s to path with mode; returns path. */
static const char *
write_file(const char *path, const char *s, mode_t mode)
{
	FILE	*f;

	unlink(path);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(s, f);
	fclose(f);
	ck_assert_int_eq(chmod(path, mode), 0);
	return path;
}

/*
 * A Redis with requirepass and an ACL user: AUTH with the password alone,
 * with user and password, from the URL or redis_password_file; a wrong or
 * missing password is an unreachable Redis (the limiter degrades).
 */
START_TEST(test_redis_auth)
{
	redisContext	*c;
	redisReply	*r;
	char		 url[160], pw[128];
	pid_t		 pid;
	int		 port = free_port();

	ck_assert_int_gt(pid = redis_start(port, srv_dir), 0);
	c = connect_spy(port);
	ck_assert_ptr_nonnull(c);
	r = redisCommand(c, "ACL SETUSER authd on >u-pw%%1 ~authd:* +@all");
	ck_assert(r != NULL && r->type == REDIS_REPLY_STATUS);
	freeReplyObject(r);
	r = redisCommand(c, "CONFIG SET requirepass top-pw");
	ck_assert(r != NULL && r->type == REDIS_REPLY_STATUS);
	freeReplyObject(r);
	redisFree(c);

	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", port);
	ck_assert_int_eq(ping_as(url, ""), AUTH_ERR_UNAVAILABLE);
	snprintf(url, sizeof(url), "redis://:top-pw@127.0.0.1:%d", port);
	ck_assert_int_eq(ping_as(url, ""), AUTH_OK);
	snprintf(url, sizeof(url), "redis://:wrong@127.0.0.1:%d", port);
	ck_assert_int_eq(ping_as(url, ""), AUTH_ERR_UNAVAILABLE);
	snprintf(url, sizeof(url), "redis://authd:u-pw%%251@127.0.0.1:%d",
	    port);
	ck_assert_int_eq(ping_as(url, ""), AUTH_OK);
	r = redisCommand(auth_redis_conn(), "ACL WHOAMI");
	ck_assert(r != NULL && r->type == REDIS_REPLY_STRING);
	ck_assert_str_eq(r->str, "authd");
	freeReplyObject(r);
	/* The password file wins over the URL's; the user alone in the URL. */
	snprintf(pw, sizeof(pw), "%s/redis.pw", srv_dir);
	snprintf(url, sizeof(url), "redis://authd@127.0.0.1:%d", port);
	ck_assert_int_eq(ping_as(url, ""), AUTH_ERR_UNAVAILABLE);
	ck_assert_int_eq(ping_as(url, write_file(pw, "u-pw%1\nx\n", 0600)),
	    AUTH_OK);
	snprintf(url, sizeof(url), "redis://authd:wrong@127.0.0.1:%d", port);
	ck_assert_int_eq(ping_as(url, pw), AUTH_OK);
	/* A file others may read, or an empty one, is refused. */
	ck_assert_int_eq(ping_as(url, write_file(pw, "u-pw%1\n", 0644)),
	    AUTH_ERR_UNAVAILABLE);
	ck_assert_int_eq(ping_as(url, write_file(pw, "\nu-pw%1\n", 0600)),
	    AUTH_ERR_UNAVAILABLE);
	unlink(pw);

	/* Limits on a Redis that refuses the password: degraded, counted. */
	snprintf(url, sizeof(url), "redis://:wrong@127.0.0.1:%d", port);
	ck_assert_int_eq(ping_as(url, ""), AUTH_ERR_UNAVAILABLE);
	ck_assert_int_eq(auth_rl_init(&rl_cfg, pw, sizeof(pw)), 0);
	ck_assert(allowed(AUTH_RL_RULE(AUTH_RL_LOGIN_IP), "192.0.2.77"));
	ck_assert(auth_rl_degraded());
	auth_redis_close();
	redis_kill(pid);
}
END_TEST

/* ---- Sentinel -------------------------------------------------------- */

#define SENT_N	3

/* A sentinel's config file for the master on port mport; returns its path. */
static const char *
sentinel_conf(int i, int port, int mport, char *path, size_t len)
{
	FILE	*f;

	snprintf(path, len, "%s/sentinel%d.conf", srv_dir, i);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "port %d\nbind 127.0.0.1\ndir %s\n"
	    "sentinel monitor mymaster 127.0.0.1 %d 2\n"
	    "sentinel down-after-milliseconds mymaster 500\n"
	    "sentinel failover-timeout mymaster 2000\n", port, srv_dir, mport);
	fclose(f);
	return path;
}

/* A field of SENTINEL MASTER mymaster on the sentinel c, as a number. */
static long
sentinel_field(redisContext *c, const char *name)
{
	redisReply	*r;
	long		 v = -1;
	size_t		 i;

	r = redisCommand(c, "SENTINEL MASTER mymaster");
	if (r != NULL && r->type == REDIS_REPLY_ARRAY)
		for (i = 0; i + 1 < r->elements; i += 2)
			if (strcmp(r->element[i]->str, name) == 0)
				v = strtol(r->element[i + 1]->str, NULL, 10);
	if (r != NULL)
		freeReplyObject(r);
	return v;
}

/* Keys of pattern on the server at port. */
static size_t
keys_on(int port, const char *pattern)
{
	redisContext	*c = connect_spy(port);
	redisReply	*r;
	size_t		 n;

	ck_assert_ptr_nonnull(c);
	r = redisCommand(c, "KEYS %s", pattern);
	ck_assert(r != NULL && r->type == REDIS_REPLY_ARRAY);
	n = r->elements;
	freeReplyObject(r);
	redisFree(c);
	return n;
}

/*
 * Two redis-servers and three sentinels: the limiter counts on the master
 * the sentinels name, and after the master dies and the sentinels promote
 * the replica it counts there (in process meanwhile, never failing).
 */
START_TEST(test_sentinel_failover)
{
	static const struct auth_rl_rule r = { "t_sent", AUTH_RL_IP, 5, 60 };
	struct auth_config	 cfg;
	redisContext		*sc;
	redisReply		*rep;
	char			 path[128], err[256];
	pid_t			 m, rpl, sent[SENT_N];
	int			 mport = free_port(), rport, sport[SENT_N], i, n;
	long long		 t0, window;

	auth_clock_set_for_test(0);
	ck_assert_int_gt(m = redis_start(mport, srv_dir), 0);
	rport = free_port();
	ck_assert_int_gt(rpl = redis_start(rport, srv_dir), 0);
	sc = connect_spy(rport);
	rep = redisCommand(sc, "REPLICAOF 127.0.0.1 %d", mport);
	ck_assert(rep != NULL && rep->type == REDIS_REPLY_STATUS);
	freeReplyObject(rep);
	redisFree(sc);
	auth_config_defaults(&cfg);
	snprintf(cfg.redis_url, sizeof(cfg.redis_url), "redis://unused:1");
	snprintf(cfg.redis_master_name, sizeof(cfg.redis_master_name),
	    "mymaster");
	for (i = 0; i < SENT_N; i++) {
		sport[i] = free_port();
		sent[i] = redis_start_conf(sport[i], srv_dir,
		    sentinel_conf(i, sport[i], mport, path, sizeof(path)));
		ck_assert_int_gt(sent[i], 0);
		n = (int)strlen(cfg.redis_sentinels);
		snprintf(cfg.redis_sentinels + n, sizeof(cfg.redis_sentinels) -
		    (size_t)n, "%s127.0.0.1:%d", i ? ", " : "", sport[i]);
	}
	/* The sentinels know each other and the replica. */
	sc = connect_spy(sport[0]);
	ck_assert_ptr_nonnull(sc);
	for (i = 0; i < 300 && (sentinel_field(sc, "num-other-sentinels") <
	    SENT_N - 1 || sentinel_field(sc, "num-slaves") < 1); i++)
		usleep(100000);
	ck_assert_int_lt(i, 300);
	auth_redis_init(&cfg);
	ck_assert_msg(auth_rl_init(&cfg, err, sizeof(err)) == 0, "%s", err);
	for (i = 0; i < 5; i++)
		ck_assert(allowed(&r, "192.0.2.1"));
	ck_assert(!allowed(&r, "192.0.2.1"));
	ck_assert(!auth_rl_degraded());
	ck_assert_uint_eq(keys_on(mport, "authd:rl:t_sent:*"), 1);

	redis_kill(m);
	t0 = now_ms();
	/* Answers all along; Redis again once the replica is promoted. */
	for (i = 0; now_ms() - t0 < 30000; i++) {
		(void)check_str(&r, "192.0.2.2");
		if (!auth_rl_degraded() && i > 0)
			break;
		usleep(50000);
	}
	window = now_ms() - t0;
	ck_assert_msg(!auth_rl_degraded(), "no failover within 30 s");
	fprintf(stderr, "sentinel failover: limits on Redis again %lld ms "
	    "after the master died\n", window);
	for (i = 0; i < 5; i++)
		ck_assert(allowed(&r, "192.0.2.3"));
	ck_assert(!allowed(&r, "192.0.2.3"));
	ck_assert(!auth_rl_degraded());
	ck_assert_uint_ge(keys_on(rport, "authd:rl:t_sent:*"), 2);

	auth_redis_close();
	redisFree(sc);
	for (i = 0; i < SENT_N; i++)
		redis_kill(sent[i]);
	redis_kill(rpl);
	for (i = 0; i < SENT_N; i++) {
		snprintf(path, sizeof(path), "%s/sentinel%d.conf", srv_dir, i);
		unlink(path);
	}
}
END_TEST

START_TEST(test_sentinel_config)
{
	struct auth_config	c;

	auth_config_defaults(&c);
	snprintf(c.redis_sentinels, sizeof(c.redis_sentinels),
	    "127.0.0.1:1, [::1]:2");
	/* No master name: unusable, not a crash; the limiter degrades. */
	auth_redis_init(&c);
	ck_assert_ptr_null(auth_redis_conn());
	ck_assert_int_eq(auth_redis_ping(), AUTH_ERR_UNAVAILABLE);
	/* No sentinel answers: unreachable. */
	snprintf(c.redis_master_name, sizeof(c.redis_master_name), "m");
	auth_redis_init(&c);
	ck_assert_ptr_null(auth_redis_conn());
	auth_redis_close();
}
END_TEST

static Suite *
ratelimit_suite(void)
{
	Suite	*s = suite_create("ratelimit");
	TCase	*tc;

	tc = tcase_create("redis");
	tcase_add_checked_fixture(tc, redis_setup, redis_teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_limit_then_refuse);
	tcase_add_test(tc, test_spacing);
	tcase_add_test(tc, test_check_n_one_call);
	tcase_add_test(tc, test_check_n_fallback);
	tcase_add_test(tc, test_defer);
	tcase_add_test(tc, test_undo);
	tcase_add_test(tc, test_undo_fallback);
	tcase_add_test(tc, test_location_parse);
	tcase_add_test(tc, test_spacing_fallback);
	tcase_add_test(tc, test_subjects_separate);
	tcase_add_test(tc, test_ipv6_prefix);
	tcase_add_test(tc, test_keys_bounded_and_expire);
	tcase_add_test(tc, test_noscript);
	tcase_add_test(tc, test_overrides);
	tcase_add_loop_test(tc, test_bad_override, 0,
	    sizeof(bad_overrides) / sizeof(bad_overrides[0]));
	tcase_add_test(tc, test_good_overrides);
	tcase_add_test(tc, test_off);
	tcase_add_test(tc, test_headers);
	suite_add_tcase(s, tc);

	tc = tcase_create("bruteforce");
	tcase_add_checked_fixture(tc, redis_setup, redis_teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_lockout_grows_capped);
	tcase_add_test(tc, test_lockout_expires);
	tcase_add_test(tc, test_lockout_expires_fallback);
	tcase_add_test(tc, test_known_good_ip);
	tcase_add_test(tc, test_known_good_never_a_proxy);
	tcase_add_test(tc, test_success_resets);
	tcase_add_test(tc, test_login_gate_one_call);
	tcase_add_test(tc, test_login_gate_fallback);
	suite_add_tcase(s, tc);

	tc = tcase_create("fallback");
	tcase_add_checked_fixture(tc, redis_setup, redis_teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_fallback);
	tcase_add_test(tc, test_fallback_lockout);
	tcase_add_test(tc, test_fallback_not_flushed);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, redis_setup, redis_teardown);
	/* 50,000 checks of the fallback table: seconds under ASan on a busy
	 * machine. The bound catches a hang, not a slow run. */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_known_rules);
	tcase_add_test(tc, test_nul_and_empty_subject);
	tcase_add_test(tc, test_zero_and_huge_rules);
	tcase_add_test(tc, test_memory_table_bounded);
	tcase_add_test(tc, test_keys_keyed_and_tagged);
	suite_add_tcase(s, tc);

	tc = tcase_create("auth");
	tcase_add_checked_fixture(tc, redis_setup, redis_teardown);
	tcase_add_test(tc, test_redis_auth);
	suite_add_tcase(s, tc);

	tc = tcase_create("sentinel");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, redis_setup, redis_teardown);
	tcase_add_test(tc, test_sentinel_config);
	tcase_add_test(tc, test_sentinel_failover);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	char	 err[256];
	int	 failed;

	unsetenv("AUTH_CONFIG");
	unsetenv("AUTH_RATE_LIMITS");
	unsetenv("AUTH_REDIS_URL");
	snprintf(srv_dir, sizeof(srv_dir), "/tmp/check_rl.XXXXXX");
	if (mkdtemp(srv_dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(hmac_path, sizeof(hmac_path), "%s/hmac.key", srv_dir);
	snprintf(hmac2_path, sizeof(hmac2_path), "%s/hmac2.key", srv_dir);
	if (auth_hmac_key_generate(hmac_path, err, sizeof(err)) != 0 ||
	    auth_hmac_key_generate(hmac2_path, err, sizeof(err)) != 0 ||
	    auth_hmac_key_load(hmac_path, err, sizeof(err)) != 0) {
		fprintf(stderr, "hmac key: %s\n", err);
		return 1;
	}
	srv_port = free_port();
	if ((srv_pid = redis_start(srv_port, srv_dir)) <= 0) {
		fprintf(stderr, "cannot start redis-server\n");
		rmdir(srv_dir);
		return 1;
	}
	sr = srunner_create(ratelimit_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	redis_kill(srv_pid);
	fb_cleanup();
	unlink(hmac_path);
	unlink(hmac2_path);
	rmdir(srv_dir);
	return failed == 0 ? 0 : 1;
}
