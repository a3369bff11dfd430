/*
 * Brute-force protection per account: failures counted in Redis (or in
 * process while it is away), growing login delays, known-good addresses.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "base_clock.h"
#include "rl_internal.h"
#include "http_req.h"

/* ---- brute force ------------------------------------------------------ */

/*
 * The failure key of account and, when ip is usable, its known-good key:
 * one hash tag, the account's, so one script may take both on a Redis
 * Cluster. A loopback or trusted proxy address stands for many clients:
 * never usable.
 */
static bool
bf_keys(const char *account, size_t len, const char *ip, char fkey[RL_KEY_MAX],
    char okey[RL_KEY_MAX])
{
	char	ahex[RL_HEX + 1], ihex[RL_HEX + 1];

	auth_rl_subject(AUTH_RL_ACCOUNT, account, len, ahex);
	snprintf(fkey, RL_KEY_MAX, "authd:bf:{%s}", ahex);
	okey[0] = '\0';
	if (ip == NULL || *ip == '\0' || auth_http_addr_loopback(ip) ||
	    auth_http_cidr_match(auth_rl.shared, auth_rl.nshared, ip))
		return false;
	auth_rl_subject(AUTH_RL_IP, ip, strnlen(ip, AUTH_IP_MAX + 1), ihex);
	snprintf(okey, RL_KEY_MAX, "authd:bf:ok:{%s}:%s", ahex, ihex);
	return true;
}

/*
 * The gate on the in-process tables, in the script's order: the nq queued
 * rules of a[] (their answers into g[]), then the lockout and known-good
 * address, then the account rule a[nq] when n > nq. Returns the rules
 * answered; *left_us is the lockout left.
 */
static size_t
gate_mem(const struct rl_arg *a, size_t nq, size_t n, const char *fkey,
    const char *okey, bool has_ip, struct rl_gcra *g, bool *known,
    int64_t *left_us)
{
	struct rl_slot	*s;
	int64_t		 now;
	size_t		 k;

	for (k = 0; k < nq; k++) {
		auth_rl_mem_gcra(&a[k], &g[k]);
		if (!g[k].allowed)
			return k + 1;
	}
	now = auth_clock_mono_us();
	*known = has_ip && auth_rl_slot(auth_rl.known, RL_MEM_KNOWN, okey, now,
	    false) != NULL;
	if (*known)
		return k;
	s = auth_rl_slot(auth_rl.fail, RL_MEM_FAIL, fkey, now, true);
	/* No room to count a failure: refused until there is. */
	if (s == NULL)
		*left_us = (int64_t)RL_RETRY_MS * 1000;
	else if (s->b > now)
		*left_us = s->b - now;
	if (*left_us > 0 || k == n)
		return k;
	auth_rl_mem_gcra(&a[k], &g[k]);
	return k + 1;
}

/*
 * Whether the login script's answer (k GCRA answers) is complete: up to a
 * refusal of a queued rule, or past them all, and then the account rule's
 * exactly when neither the address was known nor the account locked.
 */
static bool
gate_answer_ok(size_t k, size_t nq, size_t n, const struct rl_gcra *g,
    bool known, int64_t left_us)
{
	if (k > 0 && !g[k - 1].allowed)
		return k <= nq || (!known && left_us <= 0);
	if (k < nq)
		return false;
	return k == (known || left_us > 0 ? nq : n);
}

/*
 * The login script's keys and arguments (rl_check.c, rl_login_lua) for the
 * nq queued rules and, when n > nq, the account rule of a[]; okey NULL when
 * the address cannot be known good, m the text of nq. Returns how many
 * strings, *nkeys of them keys.
 */
static size_t
gate_args(const struct rl_arg *a, size_t nq, size_t n, const char *fkey,
    const char *okey, const char *m, const char *args[RL_ARGV_MAX - 3],
    size_t *nkeys)
{
	size_t	i, k = 0;

	for (i = 0; i < nq; i++)
		args[k++] = a[i].key;
	args[k++] = fkey;
	args[k++] = okey != NULL ? okey : fkey;
	if (n > nq)
		args[k++] = a[nq].key;
	*nkeys = k;
	args[k++] = m;
	args[k++] = okey != NULL ? "1" : "0";
	args[k++] = n > nq ? "1" : "0";
	for (i = 0; i < n; i++) {
		args[k++] = a[i].targ;
		args[k++] = a[i].tauarg;
	}
	return k;
}

enum auth_err
auth_rl_login_gate(const char *account, size_t len, const char *ip,
    const struct auth_rl_rule *acct, struct auth_rl_verdict *v, bool *known)
{
	const struct auth_rl_item *q = NULL;
	struct auth_rl_verdict	*qv = NULL;
	struct auth_rl_item	 it[AUTH_RL_CHECK_MAX];
	struct rl_arg		 a[AUTH_RL_CHECK_MAX];
	struct rl_gcra		 g[AUTH_RL_CHECK_MAX];
	const char		*args[RL_ARGV_MAX - 3];
	char			 fkey[RL_KEY_MAX], okey[RL_KEY_MAX], m[8];
	redisReply		*reply;
	int64_t			 left_us = 0;
	size_t			 nq, n, i, k = 0, nkeys, nargs;
	bool			 has_ip, answered = false;

	memset(v, 0, sizeof(*v));
	v->allowed = true;
	*known = false;
	if (auth_rl.off)
		return AUTH_OK;
	/* At most AUTH_RL_CHECK_MAX - 1 (auth_rl_defer): room for acct. */
	nq = auth_rl_queue(&q, &qv);
	for (i = 0; i < nq; i++)
		it[i] = q[i];
	n = nq;
	if (acct != NULL)
		it[n++] = (struct auth_rl_item){ acct, account, len, NULL };
	for (i = 0; i < n; i++)
		auth_rl_arg_make(&it[i], &a[i]);
	has_ip = bf_keys(account, len, ip, fkey, okey);

	snprintf(m, sizeof(m), "%zu", nq);
	nargs = gate_args(a, nq, n, fkey, has_ip ? okey : NULL, m, args,
	    &nkeys);
	if ((reply = auth_rl_eval(RL_LOGIN, (int)nkeys, args, (int)nargs)) !=
	    NULL) {
		if (reply->type == REDIS_REPLY_ARRAY && reply->elements >= 2 &&
		    auth_rl_reply_int(reply, 0) >= 0 &&
		    auth_rl_reply_int(reply, 1) >= 0) {
			*known = auth_rl_reply_int(reply, 0) == 1;
			left_us = auth_rl_reply_int(reply, 1) * 1000;
			k = auth_rl_gcra_reply(reply, 2, n, g);
			answered = gate_answer_ok(k, nq, n, g, *known,
			    left_us);
		}
		freeReplyObject(reply);
	}
	if (!answered) {
		*known = false;
		left_us = 0;
		k = gate_mem(a, nq, n, fkey, okey, has_ip, g, known, &left_us);
	}

	/* The queued rules' verdicts are theirs (the endpoint's headers). */
	for (i = 0; i < k && i < nq; i++)
		auth_rl_verdict_fill(&qv[i], it[i].rule, &a[i], &g[i]);
	if (nq > 0)
		auth_rl_queue_counted(k > 0 && !g[k - 1].allowed && k <= nq ?
		    k - 1 : nq);
	if (k > 0 && !g[k - 1].allowed) {
		auth_rl_verdict_fill(v, it[k - 1].rule, &a[k - 1], &g[k - 1]);
		return AUTH_ERR_RATE_LIMITED;
	}
	if (left_us > 0) {
		v->allowed = false;
		v->retry_after = auth_rl_us_to_s(left_us);
		return AUTH_ERR_RATE_LIMITED;
	}
	if (acct != NULL && k == n)
		auth_rl_verdict_fill(v, acct, &a[nq], &g[nq]);
	return AUTH_OK;
}

/* The lockout in ms after the n-th failure, 0 below the threshold. */
static int64_t
bf_delay_ms(int64_t n)
{
	int64_t	e, d;

	if (n < auth_rl.threshold)
		return 0;
	e = n - auth_rl.threshold;
	d = e >= 30 ? INT64_MAX / 2 : (int64_t)1000 << e;
	return d < (int64_t)auth_rl.lockout_max * 1000 ? d :
	    (int64_t)auth_rl.lockout_max * 1000;
}

/* Counts a failure in the in-process slot s; true if it set a lockout. */
static bool
bf_count(struct rl_slot *s, int64_t now)
{
	int64_t	delay;

	s->a++;
	delay = bf_delay_ms(s->a);
	if (delay > 0)
		s->b = now + delay * 1000;
	s->expires = now + ((int64_t)AUTH_RL_LOGIN_WINDOW * 1000 + delay) *
	    1000;
	/* A failure count is never evicted while it lasts. */
	s->hold = s->expires;
	return delay > 0;
}

bool
auth_rl_login_failed(const char *account, size_t len, const char *ip)
{
	redisReply	*reply = NULL;
	struct rl_slot	*s;
	char		 fkey[RL_KEY_MAX], okey[RL_KEY_MAX];
	char		 thr[16], cap[24], win[24];
	const char	*args[4];
	int64_t		 now;
	bool		 locked;

	if (auth_rl.off)
		return false;
	bf_keys(account, len, ip, fkey, okey);
	snprintf(thr, sizeof(thr), "%u", auth_rl.threshold);
	snprintf(cap, sizeof(cap), "%llu",
	    (unsigned long long)auth_rl.lockout_max * 1000);
	snprintf(win, sizeof(win), "%d", AUTH_RL_LOGIN_WINDOW * 1000);
	args[0] = fkey;
	args[1] = thr;
	args[2] = cap;
	args[3] = win;
	if ((reply = auth_rl_eval(RL_FAIL, 1, args, 4)) != NULL &&
	    auth_rl_reply_int(reply, 1) >= 0)
		locked = auth_rl_reply_int(reply, 1) > 0;
	else {
		now = auth_clock_mono_us();
		s = auth_rl_slot(auth_rl.fail, RL_MEM_FAIL, fkey, now, true);
		locked = s != NULL && bf_count(s, now);
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

	if (auth_rl.off)
		return;
	has_ip = bf_keys(account, len, ip, fkey, okey);
	snprintf(ttl, sizeof(ttl), "%d", AUTH_RL_KNOWN_IP_TTL);
	args[0] = fkey;
	args[1] = okey;
	args[2] = ttl;
	/* The in-process state is cleared too: it may hold an outage's lockout. */
	if ((s = auth_rl_slot(auth_rl.fail, RL_MEM_FAIL, fkey, now,
	    false)) != NULL)
		s->expires = 0;
	/* A full table forgets no known address: the new one goes unknown. */
	if (has_ip && (s = auth_rl_slot(auth_rl.known, RL_MEM_KNOWN, okey, now,
	    true)) != NULL)
		s->expires = s->hold = now +
		    (int64_t)AUTH_RL_KNOWN_IP_TTL * 1000000;
	if (has_ip)
		reply = auth_rl_eval(RL_OK, 2, args, 3);
	else
		reply = auth_rl_eval(RL_OK, 1, args, 1);
	if (reply != NULL)
		freeReplyObject(reply);
}

/* ---- configuration ------------------------------------------------------ */

static const struct auth_cfg_key rl_lockout_keys[] = {
	AUTH_CFG_NUM(login_lockout_threshold, AUTH_CFG_T_UINT, 1, 1000, "5"),
	AUTH_CFG_NUM(login_lockout_max, AUTH_CFG_T_UINT, 1, 86400, "900"),
};

const struct auth_cfg_module auth_rl_lockout_cfg =
    AUTH_CFG_MODULE(rl_lockout_keys, NULL);
