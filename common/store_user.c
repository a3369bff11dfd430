/* users and user_roles. */
#include "store_user.h"

#include <stdio.h>
#include <string.h>

#include "base_email.h"
#include "log.h"
#include "store_audit.h"

/* The columns of every statement that returns a user, in this order. */
#define USER_COLS \
	"u.id, u.email, u.password_hash, u.email_verified_at IS NOT NULL, " \
	"u.disabled_at IS NOT NULL, " STORE_TS("u.created_at") ", " \
	"(SELECT string_agg(r.role, ',' ORDER BY r.role) FROM user_roles r " \
	"WHERE r.user_id = u.id)"

enum {
	C_USER_ID = 0,
	C_USER_EMAIL,
	C_USER_PW_HASH,
	C_USER_VERIFIED,
	C_USER_DISABLED,
	C_USER_CREATED_AT,
	C_USER_ROLES,
	C_USER__MAX
};

/* user_by_refresh's columns after USER_COLS */
enum {
	C_UR_SESSION_ID = C_USER__MAX,
	C_UR_USABLE,
	C_UR_ROTATED,
	C_UR_ROTATED_AGE,
	C_UR__MAX
};

enum {
	ST_USER_BY_EMAIL = 0,
	ST_USER_BY_ID,
	ST_USER_BY_SESSION,
	ST_USER_BY_REFRESH,
	ST_USER_BY_EMAIL_TOKEN,
	ST_USER_RESET,
	ST_USER_INSERT,
	ST_USER_MARK_VERIFIED,
	ST_USER_SET_PASSWORD,
	ST_USER_IMPORT,
	ST_USER_SET_DISABLED,
	ST_USER_LIST,
	ST_USER_DELETE,
	ST_ROLE_GRANT,
	ST_ROLE_REVOKE,
	ST_ROLE_LIST,
	ST_USER__MAX
};

/* user_list's columns: struct auth_user_row */
enum {
	C_UL_ID = 0,
	C_UL_EMAIL,
	C_UL_VERIFIED,
	C_UL_DISABLED,
	C_UL_CREATED_AT,
	C_UL_ROLES,
	C_UL_CURSOR,
	C_UL__MAX
};

/* role_list's columns: struct auth_role_row */
enum {
	C_RL_EMAIL = 0,
	C_RL_ROLE,
	C_RL__MAX
};

static const struct auth_stmt user_stmts[ST_USER__MAX] = {
	[ST_USER_BY_EMAIL] = { "user_by_email",
	    "SELECT " USER_COLS " FROM users u "
	    "WHERE u.email_key = $1::text" },
	[ST_USER_BY_ID] = { "user_by_id",
	    "SELECT " USER_COLS " FROM users u WHERE u.id = $1::uuid" },
	/* The caller of a Bearer request and its session's liveness in one
	 * round trip: no row unless the session is live. */
	[ST_USER_BY_SESSION] = { "user_by_session",
	    "SELECT " USER_COLS " FROM users u WHERE u.id = $1::uuid"
	    " AND EXISTS (SELECT 1 FROM sessions s WHERE s.id = $2::uuid"
	    " AND s.user_id = u.id AND s.revoked_at IS NULL"
	    " AND s.expires_at > now())" },
	/* A refresh's lookup: the account, then the token's state as
	 * refresh_rotate sees it, without its row locks. */
	[ST_USER_BY_REFRESH] = { "user_by_refresh",
	    "SELECT " USER_COLS ", rt.session_id,"
	    " rt.revoked_at IS NULL AND s.revoked_at IS NULL"
	    " AND rt.expires_at > now() AND s.expires_at > now()"
	    " AND u.disabled_at IS NULL,"
	    " rt.rotated_at IS NOT NULL,"
	    " coalesce(greatest(0, floor(extract(epoch FROM"
	    " now() - rt.rotated_at)))::bigint, 0) "
	    "FROM refresh_tokens rt "
	    "JOIN sessions s ON s.id = rt.session_id "
	    "JOIN users u ON u.id = s.user_id "
	    "WHERE rt.token_hash = $1::bytea" },
	/* A reset's lookup: the account of an unused, unexpired token. */
	[ST_USER_BY_EMAIL_TOKEN] = { "user_by_email_token",
	    "SELECT " USER_COLS " FROM email_tokens t "
	    "JOIN users u ON u.id = t.user_id "
	    "WHERE t.token_hash = $1::bytea AND t.purpose = $2::text"
	    " AND t.used_at IS NULL AND t.expires_at > now()" },
	/*
	 * A reset's change: the token ($1, of the looked-up account $3,
	 * still enabled) used as email_token_consume uses it, the password
	 * set and the address marked verified, every live session revoked as
	 * sessions_revoke_user, the audit rows: $6 (with its "by") if the
	 * address was not verified, $7 with the number revoked. Answers
	 * whether the token was used, and the number.
	 */
	[ST_USER_RESET] = { "user_reset",
	    "WITH c AS ("
	    " UPDATE email_tokens SET used_at = now()"
	    " WHERE token_hash = $1::bytea AND purpose = $2::text"
	    " AND user_id = $3::uuid AND used_at IS NULL AND expires_at > now()"
	    " AND EXISTS (SELECT 1 FROM users WHERE id = $3::uuid"
	    " AND disabled_at IS NULL) RETURNING user_id), "
	    "o AS ("
	    " SELECT u.id FROM users u WHERE u.id IN (SELECT user_id FROM c)"
	    " AND u.email_verified_at IS NULL), "
	    "p AS ("
	    " UPDATE users SET password_hash = $4::text, updated_at = now(),"
	    " email_verified_at = coalesce(email_verified_at, now())"
	    " WHERE id IN (SELECT user_id FROM c) RETURNING id), "
	    "s AS ("
	    " UPDATE sessions SET revoked_at = now(), revoke_reason = $5::text"
	    " WHERE user_id IN (SELECT id FROM p) AND revoked_at IS NULL"
	    " RETURNING id), "
	    "t AS ("
	    " UPDATE refresh_tokens SET revoked_at = now()"
	    " WHERE session_id IN (SELECT id FROM s) AND revoked_at IS NULL), "
	    "n AS (SELECT count(*) AS n FROM s), "
	    "av AS (" STORE_AUDIT_INSERT "SELECT o.id, $6::text, $8::inet,"
	    " $9::text, $10::text, '{\"by\":\"password_reset\"}'::jsonb"
	    " FROM o), "
	    "a AS (" STORE_AUDIT_INSERT "SELECT p.id, $7::text, $8::inet,"
	    " $9::text, $10::text, coalesce($11::jsonb,"
	    " jsonb_build_object('sessions_revoked', n.n)) FROM p, n) "
	    "SELECT EXISTS (SELECT 1 FROM p), n.n FROM n" },
	[ST_USER_INSERT] = { "user_insert",
	    "INSERT INTO users AS u (email, password_hash) "
	    "VALUES ($1::text, $2::text) "
	    "ON CONFLICT (email_key) DO NOTHING "
	    "RETURNING " USER_COLS },
	[ST_USER_MARK_VERIFIED] = { "user_mark_verified",
	    "UPDATE users SET updated_at = now(), "
	    "email_verified_at = coalesce(email_verified_at, now()) "
	    "WHERE id = $1::uuid" },
	[ST_USER_SET_PASSWORD] = { "user_set_password",
	    "UPDATE users SET password_hash = $2::text, updated_at = now() "
	    "WHERE id = $1::uuid" },
	[ST_USER_IMPORT] = { "user_import",
	    "INSERT INTO users AS u"
	    " (email, password_hash, email_verified_at, created_at) "
	    "VALUES ($1::text, $2::text,"
	    " CASE WHEN $3::boolean THEN now() END,"
	    " coalesce($4::timestamptz, now())) "
	    "ON CONFLICT (email_key) DO NOTHING "
	    "RETURNING " USER_COLS },
	[ST_USER_SET_DISABLED] = { "user_set_disabled",
	    "UPDATE users SET updated_at = now(), disabled_at = CASE"
	    " WHEN $2::boolean THEN coalesce(disabled_at, now()) END "
	    "WHERE id = $1::uuid" },
	/* Newest first; $1 a LIKE pattern of email_key (escaped prefix and
	 * '%') or NULL; $2, $3 the (created_at, id) of the last row seen. */
	[ST_USER_LIST] = { "user_list",
	    "SELECT u.id, u.email, (u.email_verified_at IS NOT NULL)::text,"
	    " (u.disabled_at IS NOT NULL)::text, " STORE_TS("u.created_at") ","
	    " coalesce((SELECT string_agg(r.role, ',' ORDER BY r.role)"
	    " FROM user_roles r WHERE r.user_id = u.id), ''),"
	    " to_char(u.created_at AT TIME ZONE 'UTC',"
	    " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') "
	    "FROM users u "
	    "WHERE ($1::text IS NULL OR u.email_key LIKE $1::text ESCAPE '\\')"
	    " AND ($2::timestamptz IS NULL OR"
	    " (u.created_at, u.id) < ($2::timestamptz, $3::uuid)) "
	    "ORDER BY u.created_at DESC, u.id DESC LIMIT $4::bigint" },
	/* Sessions, refresh and email tokens and roles go by ON DELETE
	 * CASCADE; audit events keep the id. */
	[ST_USER_DELETE] = { "user_delete",
	    "DELETE FROM users WHERE id = $1::uuid" },
	[ST_ROLE_GRANT] = { "role_grant",
	    "INSERT INTO user_roles (user_id, role) "
	    "VALUES ($1::uuid, $2::text) ON CONFLICT DO NOTHING" },
	[ST_ROLE_REVOKE] = { "role_revoke",
	    "DELETE FROM user_roles WHERE user_id = $1::uuid AND role = $2::text" },
	[ST_ROLE_LIST] = { "role_list",
	    "SELECT u.email, r.role FROM user_roles r "
	    "JOIN users u ON u.id = r.user_id "
	    "WHERE $1::text IS NULL OR u.email_key = $1::text "
	    "ORDER BY u.email_key, r.role" },
};
const struct auth_stmt_group auth_store_user_group = {
	user_stmts, ST_USER__MAX
};

#define STMT(st)	(&user_stmts[(st)])

/* Splits the comma-joined, ordered role list; keeps at most AUTH_ROLES_MAX. */
static int
store_roles(const PGresult *r, int row, int col, struct auth_user *u)
{
	const char	*p, *end;
	size_t		 len;

	u->nroles = 0;
	if (PQgetisnull(r, row, col))
		return 0;
	p = PQgetvalue(r, row, col);
	while (*p != '\0') {
		end = strchr(p, ',');
		len = end != NULL ? (size_t)(end - p) : strlen(p);
		if (len == 0 || len > AUTH_ROLE_MAX)
			return -1;
		if (u->nroles == AUTH_ROLES_MAX) {
			auth_log_error(NULL, "store: user %s has more than %d "
			    "roles; extra roles ignored", u->id,
			    AUTH_ROLES_MAX);
			break;
		}
		memcpy(u->roles[u->nroles], p, len);
		u->roles[u->nroles][len] = '\0';
		u->nroles++;
		if (end == NULL)
			break;
		p = end + 1;
	}
	return 0;
}

/* Fills u from row 0 of a result of ncols columns, USER_COLS first. */
static enum auth_err
store_user_fill_n(const PGresult *r, int ncols, struct auth_user *u)
{
	memset(u, 0, sizeof(*u));
	if (PQnfields(r) != ncols ||
	    store_copy(r, 0, C_USER_ID, u->id, sizeof(u->id), false) == -1 ||
	    store_copy(r, 0, C_USER_EMAIL, u->email, sizeof(u->email),
	    false) == -1 ||
	    store_copy(r, 0, C_USER_PW_HASH, u->password_hash,
	    sizeof(u->password_hash), false) == -1 ||
	    store_copy(r, 0, C_USER_CREATED_AT, u->created_at,
	    sizeof(u->created_at), false) == -1 ||
	    store_roles(r, 0, C_USER_ROLES, u) == -1) {
		auth_log_error(NULL, "store: unexpected users row");
		memset(u, 0, sizeof(*u));
		return AUTH_ERR_INTERNAL;
	}
	u->email_verified = store_bool(r, 0, C_USER_VERIFIED);
	u->disabled = store_bool(r, 0, C_USER_DISABLED);
	return AUTH_OK;
}

/* Fills u from row 0 of a USER_COLS result. */
static enum auth_err
store_user_fill(const PGresult *r, struct auth_user *u)
{
	return store_user_fill_n(r, C_USER__MAX, u);
}

static enum auth_err
store_user_get(int st, int n, const char *const *vals, const int *lens,
    const int *fmts, struct auth_user *u)
{
	PGresult	*r = NULL;
	enum auth_err	 rc;

	memset(u, 0, sizeof(*u));
	if ((rc = store_exec(STMT(st), n, vals, lens, fmts, &r)) != AUTH_OK)
		goto out;
	if (PQntuples(r) != 1) {
		rc = AUTH_ERR_NOT_FOUND;
		goto out;
	}
	rc = store_user_fill(r, u);
out:
	PQclear(r);
	return rc;
}

enum auth_err
auth_store_user_by_email(const char *email, struct auth_user *u)
{
	char key[AUTH_EMAIL_MAX + 1];

	/* A non-ASCII key is looked up too: the same statement, no row. */
	if (email == NULL || auth_email_key(email, strlen(email), key,
	    NULL) != 0) {
		memset(u, 0, sizeof(*u));
		return AUTH_ERR_NOT_FOUND;
	}
	return store_user_get(ST_USER_BY_EMAIL, 1, (const char *const[]){ key },
	    NULL, NULL, u);
}

enum auth_err
auth_store_user_by_id(const char *id, struct auth_user *u)
{
	if (!store_uuid_ok(id)) {
		memset(u, 0, sizeof(*u));
		return AUTH_ERR_NOT_FOUND;
	}
	return store_user_get(ST_USER_BY_ID, 1, (const char *const[]){ id }, NULL,
	    NULL, u);
}

enum auth_err
auth_store_user_by_session(const char *id, const char *session_id,
    struct auth_user *u)
{
	const char *const vals[2] = { id, session_id };

	if (!store_uuid_ok(id) || !store_uuid_ok(session_id)) {
		memset(u, 0, sizeof(*u));
		return AUTH_ERR_NOT_FOUND;
	}
	return store_user_get(ST_USER_BY_SESSION, 2, vals, NULL, NULL, u);
}

/* True if email may name a new account: a usable, all-ASCII key. */
static bool
store_email_ok(const char *email)
{
	char key[AUTH_EMAIL_MAX + 1];
	bool ascii = false;

	return email != NULL && auth_email_key(email, strlen(email), key,
	    &ascii) == 0 && ascii;
}

/*
 * Runs an INSERT ... ON CONFLICT DO NOTHING RETURNING a user (vals[0] the
 * address; AUTH_ERR_VALIDATION if store_email_ok refuses it); *inserted says
 * whether a row came back (u filled).
 */
static enum auth_err
store_user_insert_with(int st, int n, const char *const *vals,
    struct auth_user *u, bool *inserted)
{
	PGresult	*r = NULL;
	enum auth_err	 rc;

	memset(u, 0, sizeof(*u));
	*inserted = false;
	if (!store_email_ok(vals[0]))
		return AUTH_ERR_VALIDATION;
	if ((rc = store_exec(STMT(st), n, vals, NULL, NULL, &r)) != AUTH_OK)
		goto out;
	if (PQntuples(r) == 0)
		goto out;
	if ((rc = store_user_fill(r, u)) == AUTH_OK)
		*inserted = true;
out:
	PQclear(r);
	return rc;
}

enum auth_err
auth_store_user_insert(const char *email, const char *pw_hash,
    struct auth_user *u, bool *inserted)
{
	const char *const vals[2] = { email, pw_hash };

	return store_user_insert_with(ST_USER_INSERT, 2, vals, u, inserted);
}

enum auth_err
auth_store_user_mark_verified(const char *user_id)
{
	return store_update_id(STMT(ST_USER_MARK_VERIFIED), user_id);
}

enum auth_err
auth_store_user_set_password(const char *user_id, const char *pw_hash)
{
	const char *const vals[2] = { user_id, pw_hash };

	return store_update(STMT(ST_USER_SET_PASSWORD), 2, vals);
}

enum auth_err
auth_store_user_import(const char *email, const char *pw_hash, bool verified,
    const char *created_at, struct auth_user *u, bool *inserted)
{
	const char *const vals[4] = { email, pw_hash, verified ? "t" : "f",
	    created_at };

	return store_user_insert_with(ST_USER_IMPORT, 4, vals, u, inserted);
}

enum auth_err
auth_store_user_set_disabled(const char *user_id, bool disabled)
{
	const char *const vals[2] = { user_id, disabled ? "t" : "f" };

	return store_update(STMT(ST_USER_SET_DISABLED), 2, vals);
}

bool
auth_store_role_valid(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > AUTH_ROLE_MAX || s[0] < 'a' || s[0] > 'z')
		return false;
	for (i = 1; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		    s[i] == ':' || s[i] == '-'))
			return false;
	return true;
}

static const struct store_col user_row_cols[C_UL__MAX] = {
	STORE_COL(C_UL_ID, struct auth_user_row, id),
	STORE_COL(C_UL_EMAIL, struct auth_user_row, email),
	STORE_COL(C_UL_VERIFIED, struct auth_user_row, verified),
	STORE_COL(C_UL_DISABLED, struct auth_user_row, disabled),
	STORE_COL(C_UL_CREATED_AT, struct auth_user_row, created_at),
	STORE_COL(C_UL_ROLES, struct auth_user_row, roles),
	STORE_COL(C_UL_CURSOR, struct auth_user_row, cursor),
};

enum auth_err
auth_store_user_list(const char *pattern, const char *after_ts,
    const char *after_id, long limit,
    int (*fn)(void *arg, const struct auth_user_row *row), void *arg)
{
	char			 lim[24];
	const char *const	 vals[4] = { pattern, after_ts, after_id, lim };
	struct store_rows	 it;
	struct auth_user_row	 row;
	enum auth_err		 rc;
	int			 n;

	snprintf(lim, sizeof(lim), "%ld", limit);
	rc = store_rows_open(&it, STMT(ST_USER_LIST), 4, vals, user_row_cols,
	    C_UL__MAX);
	while (rc == AUTH_OK && (n = store_rows_next(&it, &row)) != 0) {
		if (n < 0 || fn(arg, &row) != 0)
			rc = AUTH_ERR_INTERNAL;
	}
	store_rows_close(&it);
	return rc;
}

enum auth_err
auth_store_user_by_refresh(const unsigned char hash[AUTH_HASH_LEN],
    struct auth_refresh_row *row, struct auth_user *u)
{
	PGresult	*r = NULL;
	enum auth_err	 rc;

	memset(row, 0, sizeof(*row));
	memset(u, 0, sizeof(*u));
	if ((rc = store_exec_hash(STMT(ST_USER_BY_REFRESH), hash, &r)) !=
	    AUTH_OK)
		goto out;
	if (PQntuples(r) != 1) {
		rc = AUTH_ERR_NOT_FOUND;
		goto out;
	}
	if ((rc = store_user_fill_n(r, C_UR__MAX, u)) != AUTH_OK)
		goto out;
	if (store_copy(r, 0, C_UR_SESSION_ID, row->session_id,
	    sizeof(row->session_id), false) == -1 ||
	    (row->rotated_age = store_llong(r, 0, C_UR_ROTATED_AGE)) < 0) {
		auth_log_error(NULL, "store: unexpected user_by_refresh row");
		memset(row, 0, sizeof(*row));
		memset(u, 0, sizeof(*u));
		rc = AUTH_ERR_INTERNAL;
		goto out;
	}
	memcpy(row->user_id, u->id, sizeof(row->user_id));
	row->usable = store_bool(r, 0, C_UR_USABLE);
	row->rotated = store_bool(r, 0, C_UR_ROTATED);
	row->user_disabled = u->disabled;
out:
	PQclear(r);
	return rc;
}

enum auth_err
auth_store_user_delete(const char *user_id)
{
	return store_update_id(STMT(ST_USER_DELETE), user_id);
}

enum auth_err
auth_store_role_set(const char *user_id, const char *role, bool grant,
    long *changed)
{
	const char *const vals[2] = { user_id, role };

	*changed = 0;
	if (!store_uuid_ok(user_id) || !auth_store_role_valid(role,
	    strlen(role)))
		return AUTH_ERR_NOT_FOUND;
	return store_run(STMT(grant ? ST_ROLE_GRANT : ST_ROLE_REVOKE), 2, vals,
	    changed);
}

static const struct store_col role_row_cols[C_RL__MAX] = {
	STORE_COL(C_RL_EMAIL, struct auth_role_row, email),
	STORE_COL(C_RL_ROLE, struct auth_role_row, role),
};

enum auth_err
auth_store_role_list(const char *email,
    int (*fn)(void *arg, const struct auth_role_row *row), void *arg)
{
	char			 key[AUTH_EMAIL_MAX + 1];
	const char *const	 vals[1] = { email != NULL ? key : NULL };
	struct store_rows	 it;
	struct auth_role_row	 row;
	enum auth_err		 rc;
	int			 n;

	if (email != NULL && auth_email_key(email, strlen(email), key,
	    NULL) != 0)
		return AUTH_ERR_NOT_FOUND;
	rc = store_rows_open(&it, STMT(ST_ROLE_LIST), 1, vals, role_row_cols,
	    C_RL__MAX);
	while (rc == AUTH_OK && (n = store_rows_next(&it, &row)) != 0) {
		if (n < 0 || fn(arg, &row) != 0)
			rc = AUTH_ERR_INTERNAL;
	}
	store_rows_close(&it);
	return rc;
}

enum auth_err
auth_store_user_by_email_token(const unsigned char hash[AUTH_HASH_LEN],
    const char *purpose, struct auth_user *u)
{
	const char *const vals[2] = { (const char *)hash, purpose };
	const int	 lens[2] = { AUTH_HASH_LEN, 0 };
	const int	 fmts[2] = { 1, 0 };

	return store_user_get(ST_USER_BY_EMAIL_TOKEN, 2, vals, lens, fmts, u);
}

enum auth_err
auth_store_user_reset(const unsigned char hash[AUTH_HASH_LEN],
    const char *purpose, const char *user_id, const char *pw_hash,
    const struct auth_store_reset_names *names, const struct auth_client *cl,
    long *count)
{
	char		 why[STORE_REASON_MAX + 1];
	const char	*vals[6 + STORE_AUDIT_NVALS] = { (const char *)hash,
	    purpose, user_id, pw_hash, why, names->verified_event };
	const int	 lens[6 + STORE_AUDIT_NVALS] = { AUTH_HASH_LEN };
	const int	 fmts[6 + STORE_AUDIT_NVALS] = { 1 };
	PGresult	*r = NULL;
	enum auth_err	 rc;

	*count = 0;
	if (!store_uuid_ok(user_id))
		return AUTH_ERR_NOT_FOUND;
	store_clean_text(names->reason, why, sizeof(why));
	if ((rc = store_exec_audited(STMT(ST_USER_RESET), 6, vals, lens, fmts,
	    names->event, cl, NULL, &r)) != AUTH_OK)
		goto out;
	rc = store_flag_count(r, count);
out:
	PQclear(r);
	return rc;
}
