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

/* ---- for store_*.c only: an audit row written by the statement of the
 * change it records ---- */

#define STORE_REQID_MAX		128
#define STORE_AUDIT_NVALS	5	/* event, ip, user agent, request id, detail */

/* The checked values of one audit row but its user. */
struct store_audit_vals {
	const char	*v[STORE_AUDIT_NVALS];
	char		 ua[STORE_UA_MAX + 1];
	char		 reqid[STORE_REQID_MAX + 1];
};

/*
 * Fills a with the values of an audit row of event (checked as
 * auth_store_audit checks them; an invalid detail is dropped); -1 (logged)
 * if the event name is not one the schema accepts.
 */
int	store_audit_vals(struct store_audit_vals *a, const char *event,
	    const struct auth_client *cl, const char *detail_json);

/*
 * Runs st with its n parameters vals (lens, fmts as store_exec; both, if
 * not NULL, of n + STORE_AUDIT_NVALS elements, zero past n) followed by the
 * audit values of event; vals has room for them.
 */
enum auth_err store_exec_audited(const struct auth_stmt *st, int n,
	    const char **vals, const int *lens, const int *fmts,
	    const char *event, const struct auth_client *cl,
	    const char *detail_json, PGresult **res);

/* An audit row's INSERT up to its VALUES or SELECT, and the SQL of the
 * five values after its user, bound at the parameters numbered e..d. */
#define STORE_AUDIT_INSERT \
	"INSERT INTO audit_events" \
	" (user_id, event, ip, user_agent, request_id, detail) "
#define STORE_AUDIT_PARAMS(e, i, ua, rq, d) \
	"$" e "::text, $" i "::inet, $" ua "::text, $" rq "::text, $" d "::jsonb"

#endif
