/* audit_events. */
#include "store_audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base_email.h"
#include "log.h"

#define STORE_EVENT_MAX		64
#define STORE_DETAIL_MAX	4096

enum {
	ST_AUDIT = 0,
	ST_AUDIT_LIST,
	ST_AUDIT__MAX
};

/* audit_list's columns */
enum {
	C_AL_AT = 0,
	C_AL_EVENT,
	C_AL_EMAIL,
	C_AL_IP,
	C_AL_USER_AGENT,
	C_AL_REQUEST_ID,
	C_AL_DETAIL,
	C_AL__MAX
};

static const struct auth_stmt audit_stmts[ST_AUDIT__MAX] = {
	[ST_AUDIT] = { "audit",
	    STORE_AUDIT_INSERT "VALUES ((SELECT id FROM users WHERE id = $1::uuid), "
	    STORE_AUDIT_PARAMS("2", "3", "4", "5", "6") ")" },
	[ST_AUDIT_LIST] = { "audit_list",
	    "SELECT " STORE_TS("a.at") ", a.event, coalesce(u.email, ''),"
	    " coalesce(host(a.ip), ''), coalesce(a.user_agent, ''),"
	    " coalesce(a.request_id, ''), coalesce(a.detail::text, '') "
	    "FROM (SELECT * FROM audit_events e"
	    " WHERE ($1::text IS NULL OR e.user_id = (SELECT id FROM users"
	    " WHERE email_key = $1::text))"
	    " AND ($2::timestamptz IS NULL OR e.at >= $2::timestamptz)"
	    " ORDER BY e.id DESC LIMIT $3::bigint) a "
	    "LEFT JOIN users u ON u.id = a.user_id ORDER BY a.id" },
};
const struct auth_stmt_group auth_store_audit_group = {
	audit_stmts, ST_AUDIT__MAX
};

#define STMT(st)	(&audit_stmts[(st)])

/* True if event matches the schema's CHECK: ^[a-z][a-z0-9_.:-]{0,63}$. */
static bool
store_event_ok(const char *event)
{
	size_t i;

	if (event == NULL || event[0] < 'a' || event[0] > 'z')
		return false;
	for (i = 1; event[i] != '\0'; i++) {
		if (i >= STORE_EVENT_MAX)
			return false;
		if (!((event[i] >= 'a' && event[i] <= 'z') ||
		    (event[i] >= '0' && event[i] <= '9') ||
		    strchr("_.:-", event[i]) != NULL))
			return false;
	}
	return true;
}

/* True if s is one strict JSON value, whole, no longer than the maximum. */
static bool
store_json_ok(const char *s)
{
	struct json_tokener	*tok;
	json_object		*obj;
	size_t			 len;
	bool			 ok;

	len = strnlen(s, STORE_DETAIL_MAX + 1);
	if (len > STORE_DETAIL_MAX || (tok = json_tokener_new()) == NULL)
		return false;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, s, (int)len);
	ok = obj != NULL && json_tokener_get_error(tok) == json_tokener_success &&
	    json_tokener_get_parse_end(tok) == len &&
	    strstr(s, "\\u0000") == NULL;
	json_object_put(obj);
	json_tokener_free(tok);
	return ok;
}

int
store_audit_vals(struct store_audit_vals *a, const char *event,
    const struct auth_client *cl, const char *detail_json)
{
	memset(a, 0, sizeof(*a));
	if (!store_event_ok(event)) {
		auth_log_error(NULL, "store: audit event name rejected");
		return -1;
	}
	if (detail_json != NULL && !store_json_ok(detail_json)) {
		auth_log_error(NULL, "store: audit %s detail is not valid JSON; "
		    "dropped", event);
		detail_json = NULL;
	}
	a->v[0] = event;
	a->v[1] = cl != NULL ? store_inet(cl->ip) : NULL;
	a->v[4] = detail_json;
	if (cl != NULL && cl->user_agent != NULL) {
		store_clean_text(cl->user_agent, a->ua, sizeof(a->ua));
		a->v[2] = a->ua;
	}
	if (cl != NULL && cl->request_id != NULL) {
		store_clean_text(cl->request_id, a->reqid, sizeof(a->reqid));
		a->v[3] = a->reqid;
	}
	return 0;
}

enum auth_err
store_exec_audited(const struct auth_stmt *st, int n, const char **vals,
    const int *lens, const int *fmts, const char *event,
    const struct auth_client *cl, const char *detail_json, PGresult **res)
{
	struct store_audit_vals	a;
	enum auth_err		rc;

	*res = NULL;
	if (store_audit_vals(&a, event, cl, detail_json) != 0)
		return AUTH_ERR_INTERNAL;
	memcpy(&vals[n], a.v, sizeof(a.v));
	rc = store_exec(st, n + STORE_AUDIT_NVALS, vals, lens, fmts, res);
	memset(&vals[n], 0, sizeof(a.v));
	return rc;
}

/*
 * Audit rows are often written inside the transaction of the change they
 * record, so every value is checked here first: the INSERT can then fail
 * only with the connection, never abort the caller's transaction. A user
 * deleted meanwhile is recorded as NULL.
 */
enum auth_err
auth_store_audit(const char *user_id, const char *event,
    const struct auth_client *cl, const char *detail_json)
{
	struct store_audit_vals	 a;
	const char		*vals[1 + STORE_AUDIT_NVALS];
	PGresult		*r = NULL;
	enum auth_err		 rc;

	if (store_audit_vals(&a, event, cl, detail_json) != 0)
		return AUTH_ERR_INTERNAL;
	if (user_id != NULL && !store_uuid_ok(user_id)) {
		auth_log_error(NULL, "store: audit %s with a malformed user id",
		    event);
		user_id = NULL;
	}
	vals[0] = user_id;
	memcpy(&vals[1], a.v, sizeof(a.v));
	rc = store_exec(STMT(ST_AUDIT), 1 + STORE_AUDIT_NVALS, vals, NULL,
	    NULL, &r);
	PQclear(r);
	return rc;
}

static const struct store_col al_cols[C_AL__MAX] = {
	STORE_COL(C_AL_AT, struct auth_audit_row, at),
	STORE_COL(C_AL_EVENT, struct auth_audit_row, event),
	STORE_COL(C_AL_EMAIL, struct auth_audit_row, email),
	STORE_COL(C_AL_IP, struct auth_audit_row, ip),
	STORE_COL(C_AL_USER_AGENT, struct auth_audit_row, user_agent),
	STORE_COL(C_AL_REQUEST_ID, struct auth_audit_row, request_id),
	STORE_COL(C_AL_DETAIL, struct auth_audit_row, detail),
};

enum auth_err
auth_store_audit_list(const char *email, const char *since, long limit,
    int (*fn)(void *arg, const struct auth_audit_row *row), void *arg)
{
	char			 lim[24], key[AUTH_EMAIL_MAX + 1];
	const char *const	 vals[3] = { email != NULL ? key : NULL, since,
				    lim };
	struct auth_audit_row	*row = NULL;
	struct store_rows	 it;
	enum auth_err		 rc;
	int			 more;

	if (email != NULL && auth_email_key(email, strlen(email), key,
	    NULL) != 0)
		return AUTH_OK;
	snprintf(lim, sizeof(lim), "%ld", limit > 0 ? limit : 1);
	if ((row = calloc(1, sizeof(*row))) == NULL)
		return AUTH_ERR_INTERNAL;
	if ((rc = store_rows_open(&it, STMT(ST_AUDIT_LIST), 3, vals, al_cols,
	    C_AL__MAX)) != AUTH_OK)
		goto out;
	while ((more = store_rows_next(&it, row)) == 1 && fn(arg, row) == 0)
		continue;
	if (more != 0)
		rc = AUTH_ERR_INTERNAL;
out:
	store_rows_close(&it);
	free(row);
	return rc;
}
