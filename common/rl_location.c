/*
 * The limits of a protected location (AUTH_RATE_LIMIT, set by the web
 * server per location): their syntax and a small cache of parsed values,
 * so that a value is parsed once while it keeps coming.
 */
#include <stdio.h>
#include <string.h>

#include "base_codec.h"
#include "base_secret.h"
#include "log.h"
#include "rl_internal.h"

#define LOC_CACHE	16	/* distinct values kept */

static struct {
	char			 spec[AUTH_RL_LOCATION_MAX + 1];
	bool			 used;
	const char		*why;	/* NULL: loc is valid */
	struct auth_rl_location	 loc;
} cache[LOC_CACHE];
static size_t cache_next;

/* Parses spec into loc (zeroed first); NULL, or a static reason. */
static const char *
location_parse(const char *spec, struct auth_rl_location *loc)
{
	char			 name[AUTH_RL_NAME_MAX + 1], canon[64];
	unsigned char		 md[AUTH_HASH_LEN];
	struct auth_rl_rule	*r;
	const char		*p = spec, *why;
	unsigned		 limit, period;

	memset(loc, 0, sizeof(*loc));
	while (*p == ' ' || *p == '\t')
		p++;
	for (;;) {
		if ((why = auth_rl_parse_entry(&p, name, &limit, &period)) !=
		    NULL)
			return why;
		if (strcmp(name, "ip") == 0)
			r = &loc->ip;
		else if (strcmp(name, "user") == 0)
			r = &loc->user;
		else
			return "names a rule other than user and ip";
		if (r->limit != 0)
			return "names a rule twice";
		r->limit = limit;
		r->period = period;
		if (*p == '\0')
			break;
		if (*p++ != ',')
			return "must be a list of name=limit/period";
		while (*p == ' ' || *p == '\t')
			p++;
	}
	loc->ip.name = "ip";
	loc->ip.key = AUTH_RL_IP;
	loc->user.name = "user";
	loc->user.key = AUTH_RL_USER;
	/* The scope: a hash of what the value means, not of its spelling. */
	snprintf(canon, sizeof(canon), "ip=%u/%u,user=%u/%u", loc->ip.limit,
	    loc->ip.period, loc->user.limit, loc->user.period);
	auth_sha256(canon, strlen(canon), md);
	memcpy(loc->scope, "loc-", 4);
	auth_hex(md, 4, loc->scope + 4);
	return NULL;
}

const struct auth_rl_location *
auth_rl_location(const char *spec, const char **why)
{
	size_t	i, n = strlen(spec);

	*why = NULL;
	if (n > AUTH_RL_LOCATION_MAX) {
		*why = "is longer than 128 bytes";
		return NULL;
	}
	for (i = 0; i < LOC_CACHE; i++)
		if (cache[i].used && strcmp(cache[i].spec, spec) == 0)
			break;
	if (i == LOC_CACHE) {
		i = cache_next;
		cache_next = (cache_next + 1) % LOC_CACHE;
		memcpy(cache[i].spec, spec, n + 1);
		cache[i].used = true;
		cache[i].why = location_parse(spec, &cache[i].loc);
		if (cache[i].why != NULL)
			auth_log_error(NULL, "AUTH_RATE_LIMIT \"%.*s\" %s: the "
			    "location is refused", AUTH_RL_LOCATION_MAX, spec,
			    cache[i].why);
	}
	*why = cache[i].why;
	return cache[i].why == NULL ? &cache[i].loc : NULL;
}
