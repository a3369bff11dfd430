/*
 * The limiter's inside, shared by rl_rule.c, rl_check.c and rl_lockout.c
 * only: the process state, the in-process tables and the Redis call.
 */
#ifndef AUTH_RL_INTERNAL_H
#define AUTH_RL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#include "http_addr.h"
#include "rl.h"

#define RL_HEX		32		/* hex chars of a subject hash */
#define RL_KEY_MAX	128		/* a Redis key, NUL included */
#define RL_NORM_MAX	320		/* normalised subject buffer */
#define RL_RETRY_MS	1000		/* Redis retry interval while degraded */
#define RL_LOG_MS	30000		/* outage log interval */
#define RL_MEM_PROBE	8		/* slots looked at per lookup */
#define RL_SECRET_LEN	16
/* EVALSHA sha n, then per rule a key and two arguments, and the login
 * gate's two keys and three flags. */
#define RL_ARGV_MAX	(3 + 3 * AUTH_RL_CHECK_MAX + 5)

enum rl_script {
	RL_GCRA = 0,
	RL_FAIL,
	RL_OK,
	RL_UNDO,
	RL_LOGIN,
	RL_SCRIPT__MAX
};

/*
 * One in-process entry; free once expires (monotonic us) has passed. Until
 * hold has passed it is still locking (a refusal, a lockout, a known-good
 * address) and no other key may take its place.
 */
struct rl_slot {
	unsigned char	key[16];
	int64_t		expires;
	int64_t		hold;
	int64_t		a;	/* GCRA: TAT; failures: count */
	int64_t		b;	/* failures: locked until */
};

#define RL_MEM_GCRA	4096
#define RL_MEM_FAIL	2048
#define RL_MEM_KNOWN	2048

struct auth_rl_state {
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
	struct auth_cidr shared[AUTH_CIDRS_MAX];	/* trusted_proxies */
	size_t		nshared;
	struct rl_slot	gcra[RL_MEM_GCRA];
	struct rl_slot	fail[RL_MEM_FAIL];
	struct rl_slot	known[RL_MEM_KNOWN];
};


/* The one state of the process (rl_check.c). */
extern struct auth_rl_state auth_rl;

/*
 * Parses a rate_limits value into limit/period (0 where not given), and
 * *off (the value "off": nothing is limited). NULL, or a static reason.
 */
const char *auth_rl_parse(const char *spec, unsigned limit[AUTH_RL_ID__MAX],
	    unsigned period[AUTH_RL_ID__MAX], bool *off);

/*
 * One "name = limit / period" entry at *pp (spaces allowed around its
 * parts); advances *pp past it and the spaces after it. NULL, or a static
 * reason.
 */
const char *auth_rl_parse_entry(const char **pp,
	    char name[AUTH_RL_NAME_MAX + 1], unsigned *limit, unsigned *period);

/* Whole seconds of us, rounded up. */
unsigned auth_rl_us_to_s(int64_t us);

/*
 * Writes to hex (RL_HEX + 1 bytes) the truncated SHA-256 of the subject's
 * normal form (see rl_check.c).
 */
void	auth_rl_subject(enum auth_rl_key kind, const char *s, size_t len,
	    char hex[RL_HEX + 1]);

/*
 * The live in-process slot of rkey in t (nslots, a power of two), or with
 * create a fresh one in place of a free or, failing that, a no longer
 * holding slot. NULL if there is none, or if every slot rkey may take
 * still holds (the table is full: the caller fails closed).
 */
struct rl_slot *auth_rl_slot(struct rl_slot *t, size_t nslots,
	    const char *rkey, int64_t now, bool create);

/*
 * Runs script with nkeys keys followed by args, n strings in all. Returns
 * the reply (the caller frees it with freeReplyObject) or NULL when the
 * caller must use the in-process table.
 */
redisReply *auth_rl_eval(enum rl_script script, int nkeys,
	    const char *const *args, int n);

/* The i-th integer of an array reply, or -1. */
long long auth_rl_reply_int(const redisReply *r, size_t i);

/* What one rule of a check counts, ready for a script. */
struct rl_arg {
	unsigned	limit, period;
	int64_t		T, tau;		/* GCRA emission interval, tolerance */
	char		key[RL_KEY_MAX];
	char		targ[24], tauarg[24];
};

/* One rule's GCRA answer. */
struct rl_gcra {
	bool		allowed;
	long long	remaining, reset_us, retry_us;
};

/* The key, limit and GCRA parameters of it's rule and its subject. */
void	auth_rl_arg_make(const struct auth_rl_item *it, struct rl_arg *a);

/*
 * The GCRA answers in reply from element off on: 4 integers >= 0 per
 * rule, at most n rules, only the last of them refusing. Returns the
 * rules answered, 0 if the reply is not such an answer.
 */
size_t	auth_rl_gcra_reply(const redisReply *reply, size_t off, size_t n,
	    struct rl_gcra *g);

/* GCRA of a's rule on the in-process table, into g. */
void	auth_rl_mem_gcra(const struct rl_arg *a, struct rl_gcra *g);

/* The verdict of rule r from its answer g. */
void	auth_rl_verdict_fill(struct auth_rl_verdict *v,
	    const struct auth_rl_rule *r, const struct rl_arg *a,
	    const struct rl_gcra *g);

/*
 * The request's queued rules (auth_rl_defer) when they are still to be
 * counted: *it points at them, and *v at their verdicts, zeroed, for the
 * caller to fill. Returns how many (0: none, or already counted). The
 * caller that counts them says so with auth_rl_queue_counted(refused),
 * refused being the index of the refusing rule or the count.
 */
size_t	auth_rl_queue(const struct auth_rl_item **it,
	    struct auth_rl_verdict **v);
void	auth_rl_queue_counted(size_t refused);

#endif
