/*
 * authctl role grant|revoke EMAIL ROLE, authctl role list [EMAIL]: the
 * roles of the `roles` claim, through the flow the admin API uses (one
 * transaction with its audit event; revoking admin_role revokes the user's
 * sessions). A change reaches the claim at the user's next refresh.
 */
#include <err.h>
#include <stdio.h>
#include <string.h>

#include "authctl.h"
#include "flow.h"
#include "store_user.h"
#include "base_secret.h"

int
authctl_role(const struct authctl_opts *o)
{
	struct auth_config cfg;
	struct auth_ctx ctx;
	struct auth_user u;
	char email[AUTH_EMAIL_MAX + 1];
	bool grant = o->verb == VERB_ROLE_GRANT;
	enum auth_err e;

	if (authctl_email_arg(o->arg, email) == -1)
		return AUTHCTL_FAIL;
	if (!auth_store_role_valid(o->arg2, strlen(o->arg2))) {
		warnx("role %s: a role is a lower-case letter, then up to 31 "
		    "of a-z, 0-9, _, : and -", o->arg2);
		return AUTHCTL_USAGE;
	}
	if (authctl_connect(&cfg) == -1 || authctl_user_find(email, &u) == -1)
		return AUTHCTL_FAIL;
	memset(&ctx, 0, sizeof(ctx));
	ctx.cfg = &cfg;
	e = auth_flow_role_set(&ctx, &authctl_client, NULL, u.id, o->arg2,
	    grant);
	auth_wipe(&u, sizeof(u));
	if (e != AUTH_OK) {
		warnx("role %s %s %s: %s", grant ? "grant" : "revoke", email,
		    o->arg2, authctl_err_text(e));
		return AUTHCTL_FAIL;
	}
	if (grant)
		printf("%s has the role %s (in the token at its next "
		    "refresh)\n", email, o->arg2);
	else
		printf("%s does not have the role %s%s\n", email, o->arg2,
		    strcmp(o->arg2, cfg.admin_role) == 0 ?
		    "; its sessions are revoked" : "");
	return AUTHCTL_OK;
}

/* Prints one role: address, a tab, the role. */
static int
print_role(void *arg, const struct auth_role_row *row)
{
	(void)arg;
	printf("%s\t%s\n", row->email, row->role);
	return 0;
}

int
authctl_role_list(const struct authctl_opts *o)
{
	struct auth_config cfg;
	struct auth_user u;
	char email[AUTH_EMAIL_MAX + 1];
	enum auth_err e;

	if (o->arg != NULL && authctl_email_arg(o->arg, email) == -1)
		return AUTHCTL_FAIL;
	if (authctl_connect(&cfg) == -1)
		return AUTHCTL_FAIL;
	/* An unknown address is said so, not listed as empty. */
	if (o->arg != NULL && authctl_user_find(email, &u) == -1)
		return AUTHCTL_FAIL;
	auth_wipe(&u, sizeof(u));
	if ((e = auth_store_role_list(o->arg != NULL ? email : NULL,
	    print_role, NULL)) != AUTH_OK) {
		warnx("role list: %s", authctl_err_text(e));
		return AUTHCTL_FAIL;
	}
	return AUTHCTL_OK;
}
