/* authctl purge: deletes rows no flow can use any more; safe from cron. */
#include <err.h>
#include <stdio.h>

#include "authctl.h"
#include "store_purge.h"

int
authctl_purge(const struct authctl_opts *o)
{
	struct auth_config	cfg;
	enum auth_purge		p;
	enum auth_err		e;
	long			n;
	int			rc = AUTHCTL_OK;

	(void)o;
	if (authctl_connect(&cfg) == -1)
		return AUTHCTL_FAIL;
	for (p = 0; p < AUTH_PURGE__MAX; p++) {
		if ((e = auth_store_purge(p, &n)) != AUTH_OK) {
			warnx("%s: %s", auth_store_purge_name(p),
			    authctl_err_text(e));
			rc = AUTHCTL_FAIL;
		} else
			printf("%s: %ld deleted\n", auth_store_purge_name(p),
			    n);
	}
	return rc;
}
