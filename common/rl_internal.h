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
#define RL_ARGV_MAX	(3 + 3 * AUTH_RL_CHECK_MAX)	/* EVALSHA sha n, keys, args */

enum rl_script {
	RL_GCRA = 0,
	RL_FAIL,
	RL_GATE,
	RL_OK,
	RL_UNDO,
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

#endif
