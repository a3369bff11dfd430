/*
 * Rate limits and brute-force protection. Each check is one Redis round
 * trip (a GCRA script keyed "authd:rl:<rule>:<hash of the subject>");
 * when Redis is down or slow, a fixed-size in-process table takes over
 * until Redis answers again. That table never evicts an entry that still
 * refuses (a subject at its limit, a failure count, a known-good address):
 * when it is full, checks and logins are refused (fail closed).
 *
 * Rules are static data: endpoint tables point at entries of
 * auth_rl_known_rules[], e.g. AUTH_RL_RULE(AUTH_RL_LOGIN_IP), and the
 * `rate_limits` config key overrides their limit and period by name.
 *
 * rl_rule.c holds the rules and the rate_limits syntax, rl_check.c the
 * GCRA check and its in-process fallback, rl_lockout.c the login delays.
 * Call auth_redis_init() and auth_rl_init() once at start. Not thread-safe
 * (one request at a time per process, as everywhere in this service).
 */
#ifndef AUTH_RL_H
#define AUTH_RL_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "base_err.h"
#include "http_resp.h"

/* What a rule counts by; decides how the subject is normalised. */
enum auth_rl_key {
	AUTH_RL_IP = 0,		/* IPv4 address, or the /64 of an IPv6 one */
	AUTH_RL_ACCOUNT,	/* email: its auth_email_key (base_email.h) */
	AUTH_RL_SESSION,	/* opaque id, used as is */
	AUTH_RL_USER,		/* a token's sub, used as is */
	AUTH_RL_KEY__MAX
};

/* At most `limit` requests per `period` seconds, spread evenly (GCRA). */
struct auth_rl_rule {
	const char	*name;		/* [a-z0-9_], at most AUTH_RL_NAME_MAX */
	enum auth_rl_key key;
	unsigned	 limit;		/* 1..AUTH_RL_LIMIT_MAX */
	unsigned	 period;	/* seconds, 1..AUTH_RL_PERIOD_MAX */
};

#define AUTH_RL_NAME_MAX	31
#define AUTH_RL_LIMIT_MAX	1000000
#define AUTH_RL_PERIOD_MAX	86400

/* The built-in rules, indexes into auth_rl_known_rules[]. */
enum auth_rl_id {
	AUTH_RL_LOGIN_IP = 0,		/* 5/60 */
	AUTH_RL_LOGIN_ACCOUNT,		/* 20/3600 */
	AUTH_RL_SIGNUP_IP,		/* 3/60 */
	AUTH_RL_REFRESH_IP,		/* 10/60 */
	AUTH_RL_REFRESH_SESSION,	/* 10/60 */
	AUTH_RL_VERIFY_IP,		/* 10/60 */
	AUTH_RL_VERIFY_RESEND_IP,	/* 5/3600 */
	AUTH_RL_VERIFY_RESEND_ACCOUNT,	/* 3/3600 */
	AUTH_RL_FORGOT_IP,		/* 5/3600 */
	AUTH_RL_FORGOT_ACCOUNT,		/* 3/3600 */
	AUTH_RL_RESET_IP,		/* 10/60 */
	AUTH_RL_LOGOUT_IP,		/* 30/60 */
	AUTH_RL_MAIL_RECIPIENT,		/* 3/3600: every mail to one address */
	AUTH_RL_ADMIN_IP,		/* 120/60: the admin API */
	AUTH_RL_ID__MAX
};

/* Names and defaults; the only names `rate_limits` accepts. */
extern const struct auth_rl_rule auth_rl_known_rules[AUTH_RL_ID__MAX];

/* A constant address, usable in static endpoint tables. */
#define AUTH_RL_RULE(id)	(&auth_rl_known_rules[(id)])

/* The known rule called name, or NULL. */
const struct auth_rl_rule *auth_rl_rule(const char *name);

/* Outcome of one check; name points at the rule's static name. */
struct auth_rl_verdict {
	bool		 allowed;
	unsigned	 limit;		/* effective limit */
	unsigned	 period;	/* effective period, seconds */
	unsigned	 remaining;	/* requests left right now */
	unsigned	 reset;		/* seconds until the full quota is back */
	unsigned	 retry_after;	/* seconds, >= 1 when refused, else 0 */
	const char	*name;
	enum auth_rl_key key;		/* what the rule counts by */
};

/*
 * Validates a `rate_limits` value: "name=limit/period" entries separated
 * by commas, spaces allowed around them, every name known and given once;
 * "" means no overrides, and "off" means no limits at all (no rule, no
 * login delay, no Redis call: for measuring the limiter, never for a
 * deployment). Returns NULL, or a static one-line reason that never
 * contains the value.
 */
const char *auth_rl_overrides_check(const char *spec);

/*
 * Applies cfg: rate_limits, login_lockout_threshold, login_lockout_max,
 * trusted_proxies (addresses never known good). Clears the in-process tables and the degraded state. Returns 0, or -1
 * with a one-line reason in err.
 */
int	auth_rl_init(const struct auth_config *cfg, char *err, size_t errlen);

/* Effective limit and period of r after the config overrides. */
void	auth_rl_effective(const struct auth_rl_rule *r, unsigned *limit,
	    unsigned *period);

/*
 * Counts one request of subject (len bytes; cut at a first NUL) against r
 * and fills v. Always returns AUTH_OK: look at v->allowed. Redis trouble
 * is handled inside (in-process fallback, one retry per second).
 */
enum auth_err auth_rl_check(const struct auth_rl_rule *r, const char *subject,
	    size_t len, struct auth_rl_verdict *v);

/* One rule of a check and the subject it counts. */
struct auth_rl_item {
	const struct auth_rl_rule *rule;
	const char	*subject;
	size_t		 len;
	/* Key namespace, [a-z0-9-], or NULL: rules of one name and
	 * different scopes count apart (the locations' rules). */
	const char	*scope;
};

#define AUTH_RL_CHECK_MAX	6	/* rules in one check */

/*
 * Counts one request against it[0..n) (n <= AUTH_RL_CHECK_MAX) in one Redis
 * script call, in order: the first rule that refuses ends the count (the
 * rules after it are not counted, as if checked one by one). Fills v[i]
 * for each rule looked at (the others are zeroed). Returns the index of
 * the refusing rule, or n when all allow. Redis trouble is handled
 * inside, as for auth_rl_check.
 */
size_t	auth_rl_check_n(const struct auth_rl_item *it, size_t n,
	    struct auth_rl_verdict *v);

/*
 * Gives back one request that auth_rl_check_n counted for it, when it
 * turned out not to be its subject's (a forged token's sub).
 */
void	auth_rl_undo(const struct auth_rl_item *it);

/*
 * Queues r for subject (copied) to be counted with the request's next
 * auth_rl_check, before that check's own rule and in the same Redis call:
 * a refusal of a queued rule is then the verdict that check returns.
 * -1 (nothing queued) when the queue is full or already counted: check
 * now instead. With `rate_limits = off` nothing is queued.
 */
int	auth_rl_defer(const struct auth_rl_rule *r, const char *subject,
	    size_t len);

/*
 * Ends the request's queue: counts the queued rules now unless a check
 * carried them, and empties it. *v is a queued rule's refusal (then true
 * is returned), or the per-IP verdict with the fewest requests left, or
 * zeroed (name NULL) when nothing was queued.
 */
bool	auth_rl_deferred(struct auth_rl_verdict *v);

/*
 * A protected location's limits, e.g. AUTH_RATE_LIMIT = "user=120/60,
 * ip=600/60": "user" counts by the token's sub, "ip" by the client
 * address; each at most once, at least one. Rules named "user" and "ip",
 * counted in the scope of what the value means: locations with the same
 * limits share their counts.
 */
struct auth_rl_location {
	struct auth_rl_rule ip;		/* limit 0: none */
	struct auth_rl_rule user;	/* limit 0: none */
	char		 scope[16];
};

#define AUTH_RL_LOCATION_MAX	128	/* longest value */

/*
 * The parsed spec, from a cache of recent distinct values (bounded; a miss
 * parses, an invalid value is logged once per miss). NULL with a static
 * reason in *why when invalid. Valid until the next call.
 */
const struct auth_rl_location *auth_rl_location(const char *spec,
	    const char **why);

/* True when `rate_limits = off`: every check allows, nothing is counted. */
bool	auth_rl_off(void);

/* True while limits are kept in process because Redis failed. */
bool	auth_rl_degraded(void);

/*
 * Adds `RateLimit-Policy: "<name>";q=<limit>;w=<period>` and
 * `RateLimit: "<name>";r=<remaining>;t=<reset>` (IETF httpapi draft,
 * structured fields) and, when refused, `Retry-After: <seconds>`. Only a
 * per-IP rule's verdict shows its policy and state: an account's or a
 * session's would tell the caller about other clients' requests, so such
 * a verdict, like one with a NULL name (a login delay), gets only
 * Retry-After. Call it with the verdict that decided the answer.
 */
void	auth_rl_headers(const struct auth_rl_verdict *v, struct auth_resp *rs);

/*
 * Brute-force protection per account. Failures count within a 15-minute
 * window (renewed by each failure); from the threshold-th failure on, each
 * one refuses further logins for base * 2^(n - threshold) seconds (base 1 s,
 * capped at login_lockout_max). An address that logged in successfully to
 * the account within the last 30 days is never refused, unless it is
 * loopback or in trusted_proxies (a proxy's own address is every client's:
 * it never becomes known good). ip is the client address as text (IPv6 is
 * taken per /64), may be NULL.
 */

/*
 * The checks before a password is hashed, in one Redis call: the request's
 * queued rules (auth_rl_defer: the endpoint's per-IP rule), then the
 * account's lockout, then rule acct (NULL: none) counted on the account.
 * A known-good address of the account is exempt from the lockout and from
 * acct (*known tells). AUTH_OK (*v is acct's verdict, or allowed without a
 * name), or AUTH_ERR_RATE_LIMITED with *v the refusal: a rule's verdict, or
 * a lockout's (name NULL, retry_after >= 1 s).
 */
enum auth_err auth_rl_login_gate(const char *account, size_t len,
	    const char *ip, const struct auth_rl_rule *acct,
	    struct auth_rl_verdict *v, bool *known);

/* Records a wrong password; true if it started or extended a lockout
 * (the caller writes the audit event). */
bool	auth_rl_login_failed(const char *account, size_t len, const char *ip);

/* Clears the failures and remembers ip as known good for 30 days; with
 * ip NULL only clears them (a completed password reset). */
void	auth_rl_login_succeeded(const char *account, size_t len,
	    const char *ip);

#define AUTH_RL_LOGIN_WINDOW	900		/* seconds */
#define AUTH_RL_KNOWN_IP_TTL	(30 * 86400)	/* seconds */

/* The key rate_limits (rl_rule.c). */
extern const struct auth_cfg_module auth_rl_cfg;

/* The keys login_lockout_threshold and login_lockout_max (rl_lockout.c). */
extern const struct auth_cfg_module auth_rl_lockout_cfg;

#endif
