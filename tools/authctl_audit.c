/* authctl audit [--user EMAIL] [--since TIME|Nd|Nh|Nm|Ns] [--limit N]:
 * the newest events of the audit trail, oldest first. */
#include <ctype.h>
#include <err.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "authctl.h"
#include "base_num.h"
#include "store_audit.h"

#define AUDIT_LIMIT	"1000"	/* newest events printed by default */
#define AUDIT_LIMIT_MAX	1000000UL

/* --since: a timestamp, or a duration back from now (30m, 24h, 7d). */
static int
since_arg(const char *s, char *out, size_t outsz)
{
	unsigned long long n;
	char num[24], unit;
	size_t len = strlen(s);
	time_t t;
	struct tm tm;

	if (len >= 2 && len < sizeof(num) && strchr("smhd", s[len - 1]) &&
	    isdigit((unsigned char)s[0])) {
		memcpy(num, s, len - 1);
		num[len - 1] = '\0';
		unit = s[len - 1];
		if (auth_parse_num(num, 0, 100ULL * 365 * 86400, &n, NULL) == -1)
			return -1;
		n *= unit == 'd' ? 86400 : unit == 'h' ? 3600 :
		    unit == 'm' ? 60 : 1;
		t = time(NULL) - (time_t)n;
		if (gmtime_r(&t, &tm) == NULL ||
		    strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
			return -1;
		return 0;
	}
	return authctl_ts_arg(s, out, outsz);
}

static int
print_event(void *arg, const struct auth_audit_row *row)
{
	(void)arg;
	printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\n", row->at, row->event,
	    row->email[0] ? row->email : "-", row->ip[0] ? row->ip : "-",
	    row->user_agent[0] ? row->user_agent : "-",
	    row->request_id[0] ? row->request_id : "-",
	    row->detail[0] ? row->detail : "-");
	return 0;
}

int
authctl_audit(const struct authctl_opts *o)
{
	struct auth_config	 cfg;
	struct auth_user	 u;
	char			 email[AUTH_EMAIL_MAX + 1], since[64];
	const char		*limit = o->limit;
	unsigned long long	 lim;
	enum auth_err		 e;
	int			 rc = AUTHCTL_FAIL;

	memset(&u, 0, sizeof(u));
	if (limit == NULL)
		limit = AUDIT_LIMIT;
	if (auth_parse_num(limit, 1, AUDIT_LIMIT_MAX, &lim, NULL) == -1) {
		warnx("--limit: a number from 1 to %lu", AUDIT_LIMIT_MAX);
		return AUTHCTL_USAGE;
	}
	if (o->since != NULL && since_arg(o->since, since, sizeof(since)) ==
	    -1) {
		warnx("--since: a time like 2024-05-01T12:00:00Z or a "
		    "duration like 30m, 24h, 7d");
		return AUTHCTL_USAGE;
	}
	if (o->user != NULL && authctl_email_arg(o->user, email) == -1)
		return AUTHCTL_USAGE;
	if (authctl_connect(&cfg) == -1)
		return AUTHCTL_FAIL;
	if (o->user != NULL && authctl_user_find(email, &u) == -1)
		goto out;
	printf("at\tevent\temail\tip\tuser_agent\trequest_id\tdetail\n");
	e = auth_store_audit_list(o->user != NULL ? email : NULL,
	    o->since != NULL ? since : NULL, (long)lim, print_event, NULL);
	if (e != AUTH_OK) {
		warnx("audit: %s", authctl_err_text(e));
		goto out;
	}
	rc = AUTHCTL_OK;
out:
	auth_wipe(&u, sizeof(u));
	return rc;
}
