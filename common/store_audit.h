/* audit_events: the account trail the flows write and authctl reads. */
#ifndef AUTH_STORE_AUDIT_H
#define AUTH_STORE_AUDIT_H

#include "base_err.h"
#include "jwt.h"
#include "store_stmt.h"
#include "base_codec.h"
#include "base_secret.h"

/* audit_events; user_id and detail_json may be NULL. */
enum auth_err auth_store_audit(const char *user_id, const char *event,
	    const struct auth_client *cl, const char *detail_json);

/* One audit_events row as text; detail is JSON text or "". */
struct auth_audit_row {
	char	at[AUTH_TS_MAX];
	char	event[65];
	char	email[AUTH_EMAIL_MAX + 1];
	char	ip[64];
	char	user_agent[513];
	char	request_id[129];
	char	detail[8193];	/* jsonb text of at most 4 KiB of input */
};

/*
 * Calls fn for the newest `limit` audit events, oldest first: of the user
 * with this email (NULL: everyone), at or after since (RFC 3339 text, NULL:
 * any time). A non-zero return from fn stops with AUTH_ERR_INTERNAL.
 */
enum auth_err auth_store_audit_list(const char *email, const char *since,
	    long limit, int (*fn)(void *arg, const struct auth_audit_row *row),
	    void *arg);

#endif
