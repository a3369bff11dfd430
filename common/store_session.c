/* sessions and refresh_tokens. */
#include "store_session.h"

#include <stdio.h>
#include <string.h>

#include "log.h"

enum {
	ST_SESSION_CREATE = 0,
	ST_SESSION_TOUCH,
	ST_SESSION_REVOKE,
	ST_REFRESH_INSERT,
	ST_REFRESH_LOCK,
	ST_REFRESH_MARK_ROTATED,
	ST_REFRESH_SESSION,
	ST_SESSIONS_REVOKE_USER,
	ST_SESSION_REVOKE_OWNED,
	ST_SESSION_LIVE,
	ST_SESSIONS_LIST,
	ST_SESSIONS_COUNT,
	ST_SESSION__MAX
};

/* refresh_lock's columns */
enum {
	C_LOCK_SESSION_ID = 0,
	C_LOCK_USER_ID,
	C_LOCK_USABLE,
	C_LOCK_ROTATED,
	C_LOCK_ROTATED_AGE,
	C_LOCK_USER_DISABLED,
	C_LOCK__MAX
};

/* refresh_session's columns */
enum {
	C_RS_SESSION_ID = 0,
	C_RS_USER_ID,
	C_RS__MAX
};

/* sessions_list's columns */
enum {
	C_SL_ID = 0,
	C_SL_CREATED_AT,
	C_SL_LAST_USED_AT,
	C_SL_EXPIRES_AT,
	C_SL_IP,
	C_SL_USER_AGENT,
	C_SL__MAX
};

static const struct auth_stmt session_stmts[ST_SESSION__MAX] = {
	[ST_SESSION_CREATE] = { "session_create",
	    "INSERT INTO sessions (user_id, expires_at, ip, user_agent) "
	    "VALUES ($1::uuid, now() + $2::bigint * interval '1 second',"
	    " $3::inet, $4::text) RETURNING id" },
	[ST_SESSION_TOUCH] = { "session_touch",
	    "UPDATE sessions SET last_used_at = now() WHERE id = $1::uuid" },
	/* The session row is locked first, then its tokens, as refresh_lock. */
	[ST_SESSION_REVOKE] = { "session_revoke",
	    "WITH s AS ("
	    " UPDATE sessions SET"
	    " revoke_reason = CASE WHEN revoked_at IS NULL THEN $2::text"
	    " ELSE revoke_reason END,"
	    " revoked_at = coalesce(revoked_at, now())"
	    " WHERE id = $1::uuid RETURNING id), "
	    "t AS ("
	    " UPDATE refresh_tokens SET revoked_at = now()"
	    " WHERE session_id IN (SELECT id FROM s) AND revoked_at IS NULL) "
	    "SELECT count(*) FROM s" },
	[ST_REFRESH_INSERT] = { "refresh_insert",
	    "INSERT INTO refresh_tokens (token_hash, session_id, expires_at) "
	    "SELECT $1::bytea, s.id,"
	    " least(now() + $3::bigint * interval '1 second', s.expires_at) "
	    "FROM sessions s WHERE s.id = $2::uuid" },
	[ST_REFRESH_LOCK] = { "refresh_lock",
	    "SELECT rt.session_id, s.user_id,"
	    " rt.revoked_at IS NULL AND s.revoked_at IS NULL"
	    " AND rt.expires_at > now() AND s.expires_at > now()"
	    " AND u.disabled_at IS NULL,"
	    " rt.rotated_at IS NOT NULL,"
	    " coalesce(greatest(0, floor(extract(epoch FROM"
	    " now() - rt.rotated_at)))::bigint, 0),"
	    " u.disabled_at IS NOT NULL "
	    "FROM sessions s "
	    "JOIN refresh_tokens rt ON rt.session_id = s.id "
	    "JOIN users u ON u.id = s.user_id "
	    "WHERE rt.token_hash = $1::bytea "
	    "FOR UPDATE OF s, rt" },
	[ST_REFRESH_MARK_ROTATED] = { "refresh_mark_rotated",
	    "UPDATE refresh_tokens SET rotated_at = coalesce(rotated_at, now()) "
	    "WHERE token_hash = $1::bytea" },
	[ST_REFRESH_SESSION] = { "refresh_session",
	    "SELECT rt.session_id, s.user_id FROM refresh_tokens rt "
	    "JOIN sessions s ON s.id = rt.session_id "
	    "WHERE rt.token_hash = $1::bytea" },
	/* ---- account lifecycle ---- */
	[ST_SESSIONS_REVOKE_USER] = { "sessions_revoke_user",
	    "WITH s AS ("
	    " UPDATE sessions SET revoked_at = now(), revoke_reason = $3::text"
	    " WHERE user_id = $1::uuid AND revoked_at IS NULL"
	    " AND ($2::uuid IS NULL OR id <> $2::uuid) RETURNING id), "
	    "t AS ("
	    " UPDATE refresh_tokens SET revoked_at = now()"
	    " WHERE session_id IN (SELECT id FROM s) AND revoked_at IS NULL) "
	    "SELECT count(*) FROM s" },
	[ST_SESSION_REVOKE_OWNED] = { "session_revoke_owned",
	    "WITH s AS ("
	    " UPDATE sessions SET revoked_at = now(), revoke_reason = $3::text"
	    " WHERE id = $1::uuid AND user_id = $2::uuid"
	    " AND revoked_at IS NULL AND expires_at > now() RETURNING id), "
	    "t AS ("
	    " UPDATE refresh_tokens SET revoked_at = now()"
	    " WHERE session_id IN (SELECT id FROM s) AND revoked_at IS NULL) "
	    "SELECT count(*) FROM s" },
	[ST_SESSION_LIVE] = { "session_live",
	    "SELECT 1 FROM sessions WHERE id = $1::uuid AND user_id = $2::uuid"
	    " AND revoked_at IS NULL AND expires_at > now()" },
	/* Live: unrevoked, unexpired, with a usable refresh token; a session
	 * ends at its hard expiry or when its newest token expires unused. */
	[ST_SESSIONS_LIST] = { "sessions_list",
	    "SELECT s.id, " STORE_TS("s.created_at") ", "
	    STORE_TS("s.last_used_at") ", "
	    STORE_TS("least(s.expires_at, t.exp)") ", coalesce(host(s.ip), ''),"
	    " coalesce(s.user_agent, '') "
	    "FROM sessions s JOIN LATERAL ("
	    " SELECT max(rt.expires_at) AS exp FROM refresh_tokens rt"
	    " WHERE rt.session_id = s.id AND rt.revoked_at IS NULL"
	    " AND rt.expires_at > now()) t ON t.exp IS NOT NULL "
	    "WHERE s.user_id = $1::uuid AND s.revoked_at IS NULL"
	    " AND s.expires_at > now() "
	    "ORDER BY s.created_at DESC, s.id LIMIT $2::bigint" },
	[ST_SESSIONS_COUNT] = { "sessions_count",
	    "SELECT count(*) FROM sessions WHERE user_id = $1::uuid"
	    " AND revoked_at IS NULL AND expires_at > now()" },
};
const struct auth_stmt_group auth_store_session_group = {
	session_stmts, ST_SESSION__MAX
};

#define STMT(st)	(&session_stmts[(st)])

enum auth_err
auth_store_session_create(const char *user_id, const struct auth_client *cl,
    long max_lifetime, char session_id[AUTH_UUID_LEN + 1])
{
	char		 life[24], ua[STORE_UA_MAX + 1];
	const char	*vals[4];
	PGresult	*r = NULL;
	enum auth_err	 rc;

	session_id[0] = '\0';
	if (!store_uuid_ok(user_id))
		return AUTH_ERR_NOT_FOUND;
	snprintf(life, sizeof(life), "%ld", max_lifetime);
	vals[0] = user_id;
	vals[1] = life;
	vals[2] = cl != NULL ? store_inet(cl->ip) : NULL;
	vals[3] = NULL;
	if (cl != NULL && cl->user_agent != NULL) {
		store_clean_text(cl->user_agent, ua, sizeof(ua));
		vals[3] = ua;
	}
	if ((rc = store_exec(STMT(ST_SESSION_CREATE), 4, vals, NULL, NULL,
	    &r)) != AUTH_OK)
		goto out;
	if (PQntuples(r) != 1 ||
	    store_copy(r, 0, STORE_C_ONLY, session_id, AUTH_UUID_LEN + 1,
	    false) == -1)
		rc = AUTH_ERR_INTERNAL;
out:
	PQclear(r);
	return rc;
}

enum auth_err
auth_store_session_touch(const char *session_id)
{
	return store_update_id(STMT(ST_SESSION_TOUCH), session_id);
}

enum auth_err
auth_store_session_revoke(const char *session_id, const char *reason)
{
	char		 why[STORE_REASON_MAX + 1];
	const char	*vals[2] = { session_id, NULL };
	PGresult	*r = NULL;
	enum auth_err	 rc;

	if (!store_uuid_ok(session_id))
		return AUTH_ERR_NOT_FOUND;
	if (reason != NULL) {
		store_clean_text(reason, why, sizeof(why));
		vals[1] = why;
	}
	if ((rc = store_exec(STMT(ST_SESSION_REVOKE), 2, vals, NULL, NULL,
	    &r)) != AUTH_OK)
		goto out;
	if (PQntuples(r) != 1 || store_llong(r, 0, STORE_C_ONLY) < 0)
		rc = AUTH_ERR_INTERNAL;
	else if (store_llong(r, 0, STORE_C_ONLY) == 0)
		rc = AUTH_ERR_NOT_FOUND;
out:
	PQclear(r);
	return rc;
}

enum auth_err
auth_store_refresh_insert(const unsigned char hash[AUTH_HASH_LEN],
    const char *session_id, long ttl_seconds)
{
	char		 ttl[24];
	const char *const vals[3] = { (const char *)hash, session_id, ttl };
	const int	 lens[3] = { AUTH_HASH_LEN, 0, 0 };
	const int	 fmts[3] = { 1, 0, 0 };

	if (!store_uuid_ok(session_id))
		return AUTH_ERR_NOT_FOUND;
	snprintf(ttl, sizeof(ttl), "%ld", ttl_seconds);
	return store_change(STMT(ST_REFRESH_INSERT), 3, vals, lens, fmts);
}

enum auth_err
auth_store_refresh_lock(const unsigned char hash[AUTH_HASH_LEN],
    struct auth_refresh_row *row)
{
	PGresult	*r = NULL;
	enum auth_err	 rc;

	memset(row, 0, sizeof(*row));
	if ((rc = store_exec_hash(STMT(ST_REFRESH_LOCK), hash, &r)) != AUTH_OK)
		goto out;
	if (PQntuples(r) != 1) {
		rc = AUTH_ERR_NOT_FOUND;
		goto out;
	}
	if (PQnfields(r) != C_LOCK__MAX ||
	    store_copy(r, 0, C_LOCK_SESSION_ID, row->session_id,
	    sizeof(row->session_id), false) == -1 ||
	    store_copy(r, 0, C_LOCK_USER_ID, row->user_id,
	    sizeof(row->user_id), false) == -1 ||
	    (row->rotated_age = store_llong(r, 0, C_LOCK_ROTATED_AGE)) < 0) {
		auth_log_error(NULL, "store: unexpected refresh_lock row");
		memset(row, 0, sizeof(*row));
		rc = AUTH_ERR_INTERNAL;
		goto out;
	}
	row->usable = store_bool(r, 0, C_LOCK_USABLE);
	row->rotated = store_bool(r, 0, C_LOCK_ROTATED);
	row->user_disabled = store_bool(r, 0, C_LOCK_USER_DISABLED);
out:
	PQclear(r);
	return rc;
}

enum auth_err
auth_store_refresh_mark_rotated(const unsigned char hash[AUTH_HASH_LEN])
{
	PGresult	*r = NULL;
	enum auth_err	 rc;

	if ((rc = store_exec_hash(STMT(ST_REFRESH_MARK_ROTATED), hash,
	    &r)) == AUTH_OK && store_affected(r) == 0)
		rc = AUTH_ERR_NOT_FOUND;
	PQclear(r);
	return rc;
}

enum auth_err
auth_store_refresh_session(const unsigned char hash[AUTH_HASH_LEN],
    char session_id[AUTH_UUID_LEN + 1], char user_id[AUTH_UUID_LEN + 1])
{
	PGresult	*r = NULL;
	enum auth_err	 rc;

	session_id[0] = '\0';
	user_id[0] = '\0';
	if ((rc = store_exec_hash(STMT(ST_REFRESH_SESSION), hash, &r)) !=
	    AUTH_OK)
		goto out;
	if (PQntuples(r) != 1) {
		rc = AUTH_ERR_NOT_FOUND;
		goto out;
	}
	if (PQnfields(r) != C_RS__MAX ||
	    store_copy(r, 0, C_RS_SESSION_ID, session_id, AUTH_UUID_LEN + 1,
	    false) == -1 ||
	    store_copy(r, 0, C_RS_USER_ID, user_id, AUTH_UUID_LEN + 1,
	    false) == -1) {
		session_id[0] = '\0';
		user_id[0] = '\0';
		rc = AUTH_ERR_INTERNAL;
	}
out:
	PQclear(r);
	return rc;
}

enum auth_err
auth_store_sessions_revoke_user(const char *user_id, const char *except_sid,
    const char *reason, long *count)
{
	char		 why[STORE_REASON_MAX + 1];
	const char	*vals[3] = { user_id, NULL, NULL };

	if (count != NULL)
		*count = 0;
	if (!store_uuid_ok(user_id))
		return AUTH_ERR_NOT_FOUND;
	if (except_sid != NULL && except_sid[0] != '\0') {
		if (!store_uuid_ok(except_sid))
			return AUTH_ERR_INTERNAL;
		vals[1] = except_sid;
	}
	if (reason != NULL) {
		store_clean_text(reason, why, sizeof(why));
		vals[2] = why;
	}
	return store_count(STMT(ST_SESSIONS_REVOKE_USER), 3, vals, count);
}

enum auth_err
auth_store_session_revoke_owned(const char *session_id, const char *user_id,
    const char *reason)
{
	char		 why[STORE_REASON_MAX + 1];
	const char	*vals[3] = { session_id, user_id, NULL };
	long		 n;
	enum auth_err	 rc;

	if (!store_uuid_ok(session_id) || !store_uuid_ok(user_id))
		return AUTH_ERR_NOT_FOUND;
	if (reason != NULL) {
		store_clean_text(reason, why, sizeof(why));
		vals[2] = why;
	}
	if ((rc = store_count(STMT(ST_SESSION_REVOKE_OWNED), 3, vals, &n)) !=
	    AUTH_OK)
		return rc;
	return n == 0 ? AUTH_ERR_NOT_FOUND : AUTH_OK;
}

enum auth_err
auth_store_session_live(const char *session_id, const char *user_id)
{
	const char *const vals[2] = { session_id, user_id };
	PGresult	*r = NULL;
	enum auth_err	 rc;

	if (!store_uuid_ok(session_id) || !store_uuid_ok(user_id))
		return AUTH_ERR_NOT_FOUND;
	if ((rc = store_exec(STMT(ST_SESSION_LIVE), 2, vals, NULL, NULL, &r)) ==
	    AUTH_OK && PQntuples(r) != 1)
		rc = AUTH_ERR_NOT_FOUND;
	PQclear(r);
	return rc;
}

static const struct store_col sl_cols[C_SL__MAX] = {
	STORE_COL(C_SL_ID, struct auth_session_row, id),
	STORE_COL(C_SL_CREATED_AT, struct auth_session_row, created_at),
	STORE_COL(C_SL_LAST_USED_AT, struct auth_session_row, last_used_at),
	STORE_COL(C_SL_EXPIRES_AT, struct auth_session_row, expires_at),
	STORE_COL(C_SL_IP, struct auth_session_row, ip),
	STORE_COL(C_SL_USER_AGENT, struct auth_session_row, user_agent),
};

enum auth_err
auth_store_sessions_list(const char *user_id,
    int (*fn)(void *arg, const struct auth_session_row *row), void *arg)
{
	char			 max[24];
	const char *const	 vals[2] = { user_id, max };
	struct auth_session_row	 row;
	struct store_rows	 it;
	enum auth_err		 rc;
	int			 more;

	if (!store_uuid_ok(user_id))
		return AUTH_ERR_NOT_FOUND;
	snprintf(max, sizeof(max), "%d", AUTH_SESSIONS_LIST_MAX);
	if ((rc = store_rows_open(&it, STMT(ST_SESSIONS_LIST), 2, vals,
	    sl_cols, C_SL__MAX)) != AUTH_OK)
		goto out;
	while ((more = store_rows_next(&it, &row)) == 1 && fn(arg, &row) == 0)
		continue;
	if (more != 0)
		rc = AUTH_ERR_INTERNAL;
out:
	store_rows_close(&it);
	return rc;
}

enum auth_err
auth_store_sessions_count(const char *user_id, long *count)
{
	const char *const vals[1] = { user_id };

	*count = 0;
	if (!store_uuid_ok(user_id))
		return AUTH_ERR_NOT_FOUND;
	return store_count(STMT(ST_SESSIONS_COUNT), 1, vals, count);
}
