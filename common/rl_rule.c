/*
 * The rules: the built-in table, the `rate_limits` syntax that overrides
 * their limits and periods, and the key that holds it.
 */
#include <stdbool.h>
#include <string.h>

#include "base_num.h"
#include "rl_internal.h"

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
	[AUTH_RL_MAIL_RECIPIENT] = { "mail_recipient", AUTH_RL_ACCOUNT, 3, 3600 },
	[AUTH_RL_ADMIN_IP] = { "admin_ip", AUTH_RL_IP, 120, 60 },
};

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

const char *
auth_rl_parse_entry(const char **pp, char name[AUTH_RL_NAME_MAX + 1],
    unsigned *limit, unsigned *period)
{
	const char	*p = *pp;
	size_t		 n;

	n = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_");
	if (n == 0)
		return "must be a list of name=limit/period";
	if (n > AUTH_RL_NAME_MAX)
		return "names an unknown rule";
	memcpy(name, p, n);
	name[n] = '\0';
	p = skip_spaces(p + n);
	if (*p++ != '=')
		return "must be a list of name=limit/period";
	p = skip_spaces(p);
	if (parse_count(&p, AUTH_RL_LIMIT_MAX, limit) == -1)
		return "has a limit that is not 1..1000000";
	p = skip_spaces(p);
	if (*p++ != '/')
		return "must be a list of name=limit/period";
	p = skip_spaces(p);
	if (parse_count(&p, AUTH_RL_PERIOD_MAX, period) == -1)
		return "has a period that is not 1..86400 seconds";
	*pp = skip_spaces(p);
	return NULL;
}

const char *
auth_rl_parse(const char *spec, unsigned limit[AUTH_RL_ID__MAX],
    unsigned period[AUTH_RL_ID__MAX], bool *off)
{
	char		 name[AUTH_RL_NAME_MAX + 1];
	const char	*p = spec, *why;
	unsigned	 l, w;
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
		if ((why = auth_rl_parse_entry(&p, name, &l, &w)) != NULL)
			return why;
		if (auth_rl_rule(name) == NULL)
			return "names an unknown rule";
		id = (int)(auth_rl_rule(name) - auth_rl_known_rules);
		if (limit[id] != 0)
			return "names a rule twice";
		limit[id] = l;
		period[id] = w;
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

	return auth_rl_parse(spec, limit, period, &off);
}

void
auth_rl_effective(const struct auth_rl_rule *r, unsigned *limit,
    unsigned *period)
{
	int	id = rl_index(r);

	*limit = r->limit;
	*period = r->period;
	if (id >= 0 && auth_rl.limit[id] != 0) {
		*limit = auth_rl.limit[id];
		*period = auth_rl.period[id];
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

bool
auth_rl_off(void)
{
	return auth_rl.off;
}

/* ---- configuration ------------------------------------------------------ */

static const char *
rl_check_rate_limits(char *s)
{
	return auth_rl_overrides_check(s);
}

static const struct auth_cfg_key rl_rule_keys[] = {
	AUTH_CFG_STR(rate_limits, rl_check_rate_limits, ""),
};

const struct auth_cfg_module auth_rl_cfg =
    AUTH_CFG_MODULE(rl_rule_keys, NULL);
