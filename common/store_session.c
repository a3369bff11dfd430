/* sessions and refresh_tokens. */
#include "store_session.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "store_audit.h"

enum {
	ST_SESSION_CREATE = 0,
	ST_SESSION_REVOKE,
	ST_REFRESH_INSERT,
	ST_REFRESH_SESSION,
	ST_SESSIONS_REVOKE_USER,
	ST_SESSION_REVOKE_OWNED,
	ST_SESSIONS_LIST,
	ST_SESSIONS_COUNT,
	ST_SESSION_LOGOUT,
	ST_SESSIONS_LOGOUT_ALL,
	ST_SESSIONS_LIST_CALLER,
	ST_SESSION_REVOKE_CALLER,
	ST_REFRESH_ROTATE,
	ST_SESSION__MAX
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

/*
 * The Bearer caller's check as a CTE "c": the account $u, enabled, with $s
 * one of its live sessions (auth_store_user_by_session's rule).
 */
#define CALLER_CTE(u, s) \
	"c AS (SELECT u.id FROM users u WHERE u.id = $" u "::uuid" \
	" AND u.disabled_at IS NULL AND EXISTS (SELECT 1 FROM sessions s" \
	" WHERE s.id = $" s "::uuid AND s.user_id = u.id" \
	" AND s.revoked_at IS NULL AND s.expires_at > now()))"

/* The refresh tokens of the sessions a CTE "s" revoked, revoked. */
#define TOKENS_OF_S_CTE \
	"t AS (UPDATE refresh_tokens SET revoked_at = now()" \
	" WHERE session_id IN (SELECT id FROM s) AND revoked_at IS NULL)"

static const struct auth_stmt session_stmts[ST_SESSION__MAX] = {
	[ST_SESSION_CREATE] = { "session_create",
	    "INSERT INTO sessions (user_id, expires_at, ip, user_agent) "
	    "VALUES ($1::uuid, now() + $2::bigint * interval '1 second',"
	    " $3::inet, $4::text) RETURNING id" },
	/* The session row is locked first, then its tokens, as refresh_rotate. */
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
	/* ---- one round trip each ---- */
	/* sessions_list of the caller, after the caller's check as
	 * sessions_logout_all's: no row if it fails, one row of NULLs
	 * (but the last column) if the caller has no session listed. */
	[ST_SESSIONS_LIST_CALLER] = { "sessions_list_caller",
	    "WITH " CALLER_CTE("1", "3") " "
	    "SELECT l.id, l.c, l.u, l.e, l.ip, l.ua, c.id FROM c "
	    "LEFT JOIN LATERAL ("
	    " SELECT s.id, " STORE_TS("s.created_at") " AS c, "
	    STORE_TS("s.last_used_at") " AS u, "
	    STORE_TS("least(s.expires_at, t.exp)") " AS e,"
	    " coalesce(host(s.ip), '') AS ip,"
	    " coalesce(s.user_agent, '') AS ua, s.created_at AS at "
	    " FROM sessions s JOIN LATERAL ("
	    " SELECT max(rt.expires_at) AS exp FROM refresh_tokens rt"
	    " WHERE rt.session_id = s.id AND rt.revoked_at IS NULL"
	    " AND rt.expires_at > now()) t ON t.exp IS NOT NULL"
	    " WHERE s.user_id = c.id AND s.revoked_at IS NULL"
	    " AND s.expires_at > now()"
	    " ORDER BY s.created_at DESC, s.id LIMIT $2::bigint) l ON true "
	    "ORDER BY l.at DESC, l.id" },
	/* ---- one round trip each: the change and its audit row ---- */
	/* The session of the token revoked, as session_revoke, and audited. */
	[ST_SESSION_LOGOUT] = { "session_logout",
	    "WITH f AS ("
	    " SELECT rt.session_id FROM refresh_tokens rt"
	    " WHERE rt.token_hash = $1::bytea), "
	    "s AS ("
	    " UPDATE sessions SET"
	    " revoke_reason = CASE WHEN revoked_at IS NULL THEN $2::text"
	    " ELSE revoke_reason END,"
	    " revoked_at = coalesce(revoked_at, now())"
	    " WHERE id IN (SELECT session_id FROM f) RETURNING id, user_id), "
	    TOKENS_OF_S_CTE ", "
	    "a AS (" STORE_AUDIT_INSERT "SELECT s.user_id, "
	    STORE_AUDIT_PARAMS("3", "4", "5", "6", "7") " FROM s) "
	    "SELECT count(*) FROM s" },
	/* The caller's check (auth_store_user_by_session's, and the account
	 * enabled), then every live session of the caller revoked, as
	 * sessions_revoke_user, and audited with their number ($8, the
	 * audit detail, is NULL). Answers whether the caller passed, and
	 * the number. */
	[ST_SESSIONS_LOGOUT_ALL] = { "sessions_logout_all",
	    "WITH " CALLER_CTE("1", "2") ", "
	    "s AS ("
	    " UPDATE sessions SET revoked_at = now(), revoke_reason = $3::text"
	    " WHERE user_id IN (SELECT id FROM c) AND revoked_at IS NULL"
	    " RETURNING id), "
	    TOKENS_OF_S_CTE ", "
	    "n AS (SELECT count(*) AS n FROM s), "
	    "a AS (" STORE_AUDIT_INSERT "SELECT c.id, $4::text, $5::inet,"
	    " $6::text, $7::text, coalesce($8::jsonb,"
	    " jsonb_build_object('sessions_revoked', n.n)) FROM c, n) "
	    "SELECT EXISTS (SELECT 1 FROM c), n.n FROM n" },
	/* session_revoke_owned of the caller, after its check as
	 * sessions_logout_all's, and audited; answers whether the caller
	 * passed, and the number revoked. */
	[ST_SESSION_REVOKE_CALLER] = { "session_revoke_caller",
	    "WITH " CALLER_CTE("1", "2") ", "
	    "s AS ("
	    " UPDATE sessions SET revoked_at = now(), revoke_reason = $4::text"
	    " WHERE id = $3::uuid AND user_id IN (SELECT id FROM c)"
	    " AND revoked_at IS NULL AND expires_at > now()"
	    " RETURNING id, user_id), "
	    TOKENS_OF_S_CTE ", "
	    "a AS (" STORE_AUDIT_INSERT "SELECT s.user_id, "
	    STORE_AUDIT_PARAMS("5", "6", "7", "8", "9") " FROM s) "
	    "SELECT EXISTS (SELECT 1 FROM c), (SELECT count(*) FROM s)" },
	/*
	 * A refresh's change, the rotation rules applied under the row locks
	 * of its token and session: a usable token not yet rotated is marked
	 * rotated and its successor ($2) stored; one rotated within the
	 * leeway ($4 seconds) stores nothing; either touches the session.
	 * One rotated before the leeway burns the family as session_revoke
	 * does, audited.
	 * No row: the token is unknown or no longer usable.
	 */
	[ST_REFRESH_ROTATE] = { "refresh_rotate",
	    "WITH cur AS ("
	    " SELECT rt.session_id, s.user_id, rt.rotated_at IS NOT NULL"
	    " AS rotated, rt.rotated_at IS NOT NULL AND NOT ($4::bigint > 0"
	    " AND coalesce(greatest(0, floor(extract(epoch FROM"
	    " now() - rt.rotated_at)))::bigint, 0) < $4::bigint) AS reuse "
	    " FROM sessions s"
	    " JOIN refresh_tokens rt ON rt.session_id = s.id"
	    " JOIN users u ON u.id = s.user_id"
	    " WHERE rt.token_hash = $1::bytea"
	    " AND rt.revoked_at IS NULL AND s.revoked_at IS NULL"
	    " AND rt.expires_at > now() AND s.expires_at > now()"
	    " AND u.disabled_at IS NULL"
	    " FOR UPDATE OF s, rt), "
	    "m AS ("
	    " UPDATE refresh_tokens SET rotated_at = now()"
	    " WHERE token_hash = $1::bytea"
	    " AND EXISTS (SELECT 1 FROM cur WHERE NOT rotated)), "
	    "i AS ("
	    " INSERT INTO refresh_tokens (token_hash, session_id, expires_at)"
	    " SELECT $2::bytea, s.id,"
	    " least(now() + $3::bigint * interval '1 second', s.expires_at)"
	    " FROM sessions s JOIN cur ON cur.session_id = s.id"
	    " WHERE NOT cur.rotated), "
	    "tch AS ("
	    " UPDATE sessions SET last_used_at = now()"
	    " WHERE id IN (SELECT session_id FROM cur WHERE NOT reuse)), "
	    "rv AS ("
	    " UPDATE sessions SET"
	    " revoke_reason = CASE WHEN revoked_at IS NULL THEN $5::text"
	    " ELSE revoke_reason END,"
	    " revoked_at = coalesce(revoked_at, now())"
	    " WHERE id IN (SELECT session_id FROM cur WHERE reuse)"
	    " RETURNING id, user_id), "
	    "rvt AS ("
	    " UPDATE refresh_tokens SET revoked_at = now()"
	    " WHERE session_id IN (SELECT id FROM rv) AND revoked_at IS NULL), "
	    "a AS (" STORE_AUDIT_INSERT "SELECT rv.user_id, "
	    STORE_AUDIT_PARAMS("6", "7", "8", "9", "10") " FROM rv) "
	    "SELECT reuse FROM cur" },
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

enum auth_err
auth_store_session_logout(const unsigned char hash[AUTH_HASH_LEN],
    const char *reason, const char *event, const struct auth_client *cl)
{
	char		 why[STORE_REASON_MAX + 1];
	const char	*vals[2 + STORE_AUDIT_NVALS] = { (const char *)hash, why };
	const int	 lens[2 + STORE_AUDIT_NVALS] = { AUTH_HASH_LEN };
	const int	 fmts[2 + STORE_AUDIT_NVALS] = { 1 };
	PGresult	*r = NULL;
	long long	 n;
	enum auth_err	 rc;

	store_clean_text(reason, why, sizeof(why));
	if ((rc = store_exec_audited(STMT(ST_SESSION_LOGOUT), 2, vals, lens,
	    fmts, event, cl, NULL, &r)) != AUTH_OK)
		goto out;
	if (PQntuples(r) != 1 || (n = store_llong(r, 0, STORE_C_ONLY)) < 0)
		rc = AUTH_ERR_INTERNAL;
	else if (n == 0)
		rc = AUTH_ERR_NOT_FOUND;
out:
	PQclear(r);
	return rc;
}

enum auth_err
auth_store_sessions_logout_all(const char *user_id, const char *session_id,
    const char *reason, const char *event, const struct auth_client *cl,
    long *count)
{
	char		 why[STORE_REASON_MAX + 1];
	const char	*vals[3 + STORE_AUDIT_NVALS] = { user_id, session_id,
	    why };
	PGresult	*r = NULL;
	enum auth_err	 rc;

	*count = 0;
	if (!store_uuid_ok(user_id) || !store_uuid_ok(session_id))
		return AUTH_ERR_NOT_FOUND;
	store_clean_text(reason, why, sizeof(why));
	if ((rc = store_exec_audited(STMT(ST_SESSIONS_LOGOUT_ALL), 3, vals,
	    NULL, NULL, event, cl, NULL, &r)) == AUTH_OK)
		rc = store_flag_count(r, count);
	PQclear(r);
	return rc;
}

enum auth_err
auth_store_refresh_rotate(const unsigned char hash[AUTH_HASH_LEN],
    const unsigned char successor[AUTH_HASH_LEN], long ttl_seconds,
    long leeway, const char *reason, const char *event,
    const struct auth_client *cl, bool *reuse)
{
	char		 ttl[24], lee[24], why[STORE_REASON_MAX + 1];
	const char	*vals[5 + STORE_AUDIT_NVALS] = { (const char *)hash,
	    (const char *)successor, ttl, lee, why };
	const int	 lens[5 + STORE_AUDIT_NVALS] = { AUTH_HASH_LEN,
	    AUTH_HASH_LEN };
	const int	 fmts[5 + STORE_AUDIT_NVALS] = { 1, 1 };
	PGresult	*r = NULL;
	enum auth_err	 rc;

	*reuse = false;
	snprintf(ttl, sizeof(ttl), "%ld", ttl_seconds);
	snprintf(lee, sizeof(lee), "%ld", leeway);
	store_clean_text(reason, why, sizeof(why));
	if ((rc = store_exec_audited(STMT(ST_REFRESH_ROTATE), 5, vals, lens,
	    fmts, event, cl, NULL, &r)) != AUTH_OK)
		goto out;
	if (PQntuples(r) == 0)
		rc = AUTH_ERR_NOT_FOUND;
	else if (PQntuples(r) != 1 || PQgetisnull(r, 0, STORE_C_ONLY))
		rc = AUTH_ERR_INTERNAL;
	else
		*reuse = store_bool(r, 0, STORE_C_ONLY);
out:
	PQclear(r);
	return rc;
}

/* Calls fn for each row of a sessions_list_caller result r. */
static enum auth_err
sessions_walk(PGresult *r, int (*fn)(void *arg,
    const struct auth_session_row *row), void *arg)
{
	struct store_rows	it;
	struct auth_session_row	row;
	int			more;

	if (PQnfields(r) != C_SL__MAX + 1)
		return AUTH_ERR_INTERNAL;
	if (PQntuples(r) == 1 && PQgetisnull(r, 0, C_SL_ID))
		return AUTH_OK;
	memset(&it, 0, sizeof(it));
	it.r = r;
	it.cols = sl_cols;
	it.ncols = C_SL__MAX;
	while ((more = store_rows_next(&it, &row)) == 1 && fn(arg, &row) == 0)
		continue;
	return more != 0 ? AUTH_ERR_INTERNAL : AUTH_OK;
}

enum auth_err
auth_store_sessions_list_caller(const char *user_id, const char *session_id,
    int (*fn)(void *arg, const struct auth_session_row *row), void *arg)
{
	char		 max[24];
	const char *const vals[3] = { user_id, max, session_id };
	PGresult	*r = NULL;
	enum auth_err	 rc;

	if (!store_uuid_ok(user_id) || !store_uuid_ok(session_id))
		return AUTH_ERR_NOT_FOUND;
	snprintf(max, sizeof(max), "%d", AUTH_SESSIONS_LIST_MAX);
	if ((rc = store_exec(STMT(ST_SESSIONS_LIST_CALLER), 3, vals, NULL,
	    NULL, &r)) != AUTH_OK)
		goto out;
	rc = PQntuples(r) == 0 ? AUTH_ERR_NOT_FOUND : sessions_walk(r, fn, arg);
out:
	PQclear(r);
	return rc;
}

enum auth_err
auth_store_session_revoke_caller(const char *user_id, const char *caller_sid,
    const char *session_id, const char *reason, const char *event,
    const struct auth_client *cl, const char *detail_json, long *count)
{
	char		 why[STORE_REASON_MAX + 1];
	const char	*vals[4 + STORE_AUDIT_NVALS] = { user_id, caller_sid,
	    session_id, why };
	PGresult	*r = NULL;
	enum auth_err	 rc;

	*count = 0;
	if (!store_uuid_ok(user_id) || !store_uuid_ok(caller_sid) ||
	    !store_uuid_ok(session_id))
		return AUTH_ERR_NOT_FOUND;
	store_clean_text(reason, why, sizeof(why));
	if ((rc = store_exec_audited(STMT(ST_SESSION_REVOKE_CALLER), 4, vals,
	    NULL, NULL, event, cl, detail_json, &r)) == AUTH_OK)
		rc = store_flag_count(r, count);
	PQclear(r);
	return rc;
}
