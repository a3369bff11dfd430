#include "store.h"

#include <arpa/inet.h>

#include <limits.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base_num.h"
#include "base_utf8.h"
#include "db.h"
#include "log.h"

#define STORE_UA_MAX		512	/* bytes, as the schema's CHECK */
#define STORE_REQID_MAX		128
#define STORE_REASON_MAX	256
#define STORE_IP_MAX		64
#define STORE_EVENT_MAX		64
#define STORE_DETAIL_MAX	4096

/* Timestamps leave the database as RFC 3339 UTC text. */
#define TS(col) \
	"to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

#define USER_COLS \
	"u.id, u.email, u.password_hash, u.email_verified_at IS NOT NULL, " \
	"u.disabled_at IS NOT NULL, " TS("u.created_at") ", " \
	"(SELECT string_agg(r.role, ',' ORDER BY r.role) FROM user_roles r " \
	"WHERE r.user_id = u.id)"

enum store_stmt {
	ST_USER_BY_EMAIL = 0,
	ST_USER_BY_ID,
	ST_USER_INSERT,
	ST_USER_MARK_VERIFIED,
	ST_USER_SET_PASSWORD,
	ST_EMAIL_TOKEN_INSERT,
	ST_EMAIL_TOKEN_CONSUME,
	ST_OUTBOX_INSERT,
	ST_SESSION_CREATE,
	ST_SESSION_TOUCH,
	ST_SESSION_REVOKE,
	ST_REFRESH_INSERT,
	ST_REFRESH_LOCK,
	ST_REFRESH_MARK_ROTATED,
	ST_REFRESH_SESSION,
	ST_AUDIT,
	ST_PING,
	/* account lifecycle */
	ST_SESSIONS_REVOKE_USER,
	ST_SESSION_REVOKE_OWNED,
	ST_SESSION_LIVE,
	ST_SESSIONS_LIST,
	ST_SESSIONS_COUNT,
	ST_USER_IMPORT,
	ST_USER_SET_DISABLED,
	ST_AUDIT_LIST,
	/* outbox delivery */
	ST_OUTBOX_CLAIM,
	ST_OUTBOX_SENT,
	ST_OUTBOX_FAILED,
	ST_OUTBOX_RELEASE,
	ST_OUTBOX_RECLAIM,
	ST_OUTBOX_NEXT_DUE,
	ST__MAX
};

const struct auth_stmt auth_store_stmts[ST__MAX] = {
	[ST_USER_BY_EMAIL] = { "user_by_email",
	    "SELECT " USER_COLS " FROM users u "
	    "WHERE lower(u.email) = lower($1::text)" },
	[ST_USER_BY_ID] = { "user_by_id",
	    "SELECT " USER_COLS " FROM users u WHERE u.id = $1::uuid" },
	[ST_USER_INSERT] = { "user_insert",
	    "INSERT INTO users AS u (email, password_hash) "
	    "VALUES ($1::text, $2::text) "
	    "ON CONFLICT ((lower(email))) DO NOTHING "
	    "RETURNING " USER_COLS },
	[ST_USER_MARK_VERIFIED] = { "user_mark_verified",
	    "UPDATE users SET updated_at = now(), "
	    "email_verified_at = coalesce(email_verified_at, now()) "
	    "WHERE id = $1::uuid" },
	[ST_USER_SET_PASSWORD] = { "user_set_password",
	    "UPDATE users SET password_hash = $2::text, updated_at = now() "
	    "WHERE id = $1::uuid" },
	[ST_EMAIL_TOKEN_INSERT] = { "email_token_insert",
	    "WITH voided AS ("
	    " UPDATE email_tokens SET used_at = now()"
	    " WHERE user_id = $1::uuid AND purpose = $3::text"
	    " AND used_at IS NULL) "
	    "INSERT INTO email_tokens (token_hash, user_id, purpose, expires_at) "
	    "VALUES ($2::bytea, $1::uuid, $3::text,"
	    " now() + $4::bigint * interval '1 second')" },
	[ST_EMAIL_TOKEN_CONSUME] = { "email_token_consume",
	    "UPDATE email_tokens SET used_at = now() "
	    "WHERE token_hash = $1::bytea AND purpose = $2::text "
	    "AND used_at IS NULL AND expires_at > now() "
	    "RETURNING user_id" },
	/* The mailers LISTEN; the notice goes out when the caller commits. */
	[ST_OUTBOX_INSERT] = { "outbox_insert",
	    "WITH o AS (INSERT INTO outbox (recipient, template, payload) "
	    "VALUES ($1::text, $2::text, $3::bytea) RETURNING id) "
	    "SELECT pg_notify('" AUTH_OUTBOX_CHANNEL "', '') FROM o" },
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
	[ST_AUDIT] = { "audit",
	    "INSERT INTO audit_events"
	    " (user_id, event, ip, user_agent, request_id, detail) "
	    "VALUES ((SELECT id FROM users WHERE id = $1::uuid), $2::text,"
	    " $3::inet, $4::text, $5::text, $6::jsonb)" },
	[ST_PING] = { "ping", "SELECT 1" },
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
	    "SELECT s.id, " TS("s.created_at") ", " TS("s.last_used_at") ", "
	    TS("least(s.expires_at, t.exp)") ", coalesce(host(s.ip), ''),"
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
	[ST_USER_IMPORT] = { "user_import",
	    "INSERT INTO users AS u"
	    " (email, password_hash, email_verified_at, created_at) "
	    "VALUES ($1::text, $2::text,"
	    " CASE WHEN $3::boolean THEN now() END,"
	    " coalesce($4::timestamptz, now())) "
	    "ON CONFLICT ((lower(email))) DO NOTHING "
	    "RETURNING " USER_COLS },
	[ST_USER_SET_DISABLED] = { "user_set_disabled",
	    "UPDATE users SET updated_at = now(), disabled_at = CASE"
	    " WHEN $2::boolean THEN coalesce(disabled_at, now()) END "
	    "WHERE id = $1::uuid" },
	[ST_AUDIT_LIST] = { "audit_list",
	    "SELECT " TS("a.at") ", a.event, coalesce(u.email, ''),"
	    " coalesce(host(a.ip), ''), coalesce(a.user_agent, ''),"
	    " coalesce(a.request_id, ''), coalesce(a.detail::text, '') "
	    "FROM (SELECT * FROM audit_events e"
	    " WHERE ($1::text IS NULL OR e.user_id = (SELECT id FROM users"
	    " WHERE lower(email) = lower($1::text)))"
	    " AND ($2::timestamptz IS NULL OR e.at >= $2::timestamptz)"
	    " ORDER BY e.id DESC LIMIT $3::bigint) a "
	    "LEFT JOIN users u ON u.id = a.user_id ORDER BY a.id" },
	/* outbox delivery: a claim is a lease held in next_attempt_at */
	[ST_OUTBOX_CLAIM] = { "outbox_claim",
	    "UPDATE outbox o SET status = 'sending',"
	    " attempts = o.attempts + 1,"
	    " next_attempt_at = now() + $1::bigint * interval '1 second' "
	    "FROM (SELECT id FROM outbox"
	    " WHERE status = 'pending' AND next_attempt_at <= now()"
	    " ORDER BY next_attempt_at, id LIMIT 1"
	    " FOR UPDATE SKIP LOCKED) c "
	    "WHERE o.id = c.id "
	    "RETURNING o.id, o.attempts, o.recipient, o.template, o.payload" },
	[ST_OUTBOX_SENT] = { "outbox_sent",
	    "UPDATE outbox SET status = 'sent', sent_at = now(),"
	    " payload = ''::bytea, last_error = NULL "
	    "WHERE id = $1::bigint AND status = 'sending'"
	    " AND attempts = $2::integer" },
	[ST_OUTBOX_FAILED] = { "outbox_failed",
	    "UPDATE outbox SET"
	    " status = CASE WHEN $3::boolean THEN 'failed' ELSE 'pending' END,"
	    " next_attempt_at = now() + $4::bigint * interval '1 second',"
	    " last_error = $5::text "
	    "WHERE id = $1::bigint AND status = 'sending'"
	    " AND attempts = $2::integer" },
	[ST_OUTBOX_RELEASE] = { "outbox_release",
	    "WITH r AS (UPDATE outbox SET status = 'pending',"
	    " attempts = greatest(attempts - 1, 0), next_attempt_at = now()"
	    " WHERE id = $1::bigint AND status = 'sending'"
	    " AND attempts = $2::integer RETURNING id) "
	    "SELECT pg_notify('" AUTH_OUTBOX_CHANNEL "', '') FROM r" },
	[ST_OUTBOX_RECLAIM] = { "outbox_reclaim",
	    "UPDATE outbox SET status = 'pending', next_attempt_at = now() "
	    "WHERE status = 'sending' AND next_attempt_at <= now()" },
	[ST_OUTBOX_NEXT_DUE] = { "outbox_next_due",
	    "SELECT greatest(0, extract(epoch FROM"
	    " min(next_attempt_at) - now()))::float8 "
	    "FROM outbox WHERE status = 'pending'" },
};
const size_t auth_store_nstmts = ST__MAX;

static enum auth_err
store_exec(enum store_stmt st, int n, const char *const *vals,
    const int *lens, const int *fmts, PGresult **res)
{
	return auth_db_exec(auth_store_stmts[st].name, n, vals, lens, fmts,
	    res);
}

/* Copies field (row, col) into dst; -1 if NULL was not allowed or too long. */
static int
store_copy(const PGresult *r, int row, int col, char *dst, size_t dstsz,
    bool null_ok)
{
	size_t len;

	dst[0] = '\0';
	if (PQgetisnull(r, row, col))
		return null_ok ? 0 : -1;
	len = (size_t)PQgetlength(r, row, col);
	if (len >= dstsz)
		return -1;
	memcpy(dst, PQgetvalue(r, row, col), len);
	dst[len] = '\0';
	return 0;
}

static bool
store_bool(const PGresult *r, int row, int col)
{
	return !PQgetisnull(r, row, col) && PQgetvalue(r, row, col)[0] == 't';
}

/* Parses a whole non-negative decimal field; -1 on anything else. */
static long long
store_llong(const PGresult *r, int row, int col)
{
	const char	*s;
	unsigned long long v;

	if (PQgetisnull(r, row, col))
		return -1;
	s = PQgetvalue(r, row, col);
	if (auth_parse_num(s, 0, LLONG_MAX, &v, NULL) == -1)
		return -1;
	return (long long)v;
}

/* Number of rows a command touched. */
static long long
store_affected(const PGresult *r)
{
	const char	*s = PQcmdTuples((PGresult *)r);
	unsigned long long v;

	if (auth_parse_num(s, 0, LLONG_MAX, &v, NULL) == -1)
		return 0;
	return (long long)v;
}

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

/* Fills u from row 0 of a USER_COLS result. */
static enum auth_err
store_user_fill(const PGresult *r, struct auth_user *u)
{
	memset(u, 0, sizeof(*u));
	if (PQnfields(r) != 7 ||
	    store_copy(r, 0, 0, u->id, sizeof(u->id), false) == -1 ||
	    store_copy(r, 0, 1, u->email, sizeof(u->email), false) == -1 ||
	    store_copy(r, 0, 2, u->password_hash, sizeof(u->password_hash),
	    false) == -1 ||
	    store_copy(r, 0, 5, u->created_at, sizeof(u->created_at),
	    false) == -1 ||
	    store_roles(r, 0, 6, u) == -1) {
		auth_log_error(NULL, "store: unexpected users row");
		memset(u, 0, sizeof(*u));
		return AUTH_ERR_INTERNAL;
	}
	u->email_verified = store_bool(r, 0, 3);
	u->disabled = store_bool(r, 0, 4);
	return AUTH_OK;
}

static bool
store_uuid_ok(const char *s)
{
	return s != NULL && auth_uuid_valid(s, strnlen(s, AUTH_UUID_LEN + 1));
}

/*
 * Copies s into out (outsz bytes) as valid UTF-8 without control
 * characters: invalid bytes and controls become '?', and the copy stops at
 * a character boundary before outsz - 1 bytes.
 */
static void
store_clean_text(const char *s, char *out, size_t outsz)
{
	auth_utf8_clean(s, out, outsz);
}

/* Returns ip if it is a textual IPv4 or IPv6 address, else NULL. */
static const char *
store_inet(const char *ip)
{
	unsigned char buf[sizeof(struct in6_addr)];

	if (ip == NULL || strnlen(ip, STORE_IP_MAX) == STORE_IP_MAX)
		return NULL;
	if (inet_pton(AF_INET, ip, buf) == 1 ||
	    inet_pton(AF_INET6, ip, buf) == 1)
		return ip;
	return NULL;
}

static enum auth_err
store_user_get(enum store_stmt st, const char *key, struct auth_user *u)
{
	const char *const vals[1] = { key };
	PGresult	*r = NULL;
	enum auth_err	 rc;

	memset(u, 0, sizeof(*u));
	if ((rc = store_exec(st, 1, vals, NULL, NULL, &r)) != AUTH_OK)
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
	if (email == NULL || strnlen(email, AUTH_EMAIL_MAX + 1) > AUTH_EMAIL_MAX) {
		memset(u, 0, sizeof(*u));
		return AUTH_ERR_NOT_FOUND;
	}
	return store_user_get(ST_USER_BY_EMAIL, email, u);
}

enum auth_err
auth_store_user_by_id(const char *id, struct auth_user *u)
{
	if (!store_uuid_ok(id)) {
		memset(u, 0, sizeof(*u));
		return AUTH_ERR_NOT_FOUND;
	}
	return store_user_get(ST_USER_BY_ID, id, u);
}

/*
 * Runs an INSERT ... ON CONFLICT DO NOTHING RETURNING a user; *inserted says
 * whether a row came back (u filled).
 */
static enum auth_err
store_user_insert_with(enum store_stmt st, int n, const char *const *vals,
    struct auth_user *u, bool *inserted)
{
	PGresult	*r = NULL;
	enum auth_err	 rc;

	memset(u, 0, sizeof(*u));
	*inserted = false;
	if ((rc = store_exec(st, n, vals, NULL, NULL, &r)) != AUTH_OK)
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

/* Runs a one-row UPDATE keyed by a uuid; NOT_FOUND if no row matched. */
static enum auth_err
store_update(enum store_stmt st, int n, const char *const *vals)
{
	PGresult	*r = NULL;
	enum auth_err	 rc;

	if (!store_uuid_ok(vals[0]))
		return AUTH_ERR_NOT_FOUND;
	if ((rc = store_exec(st, n, vals, NULL, NULL, &r)) != AUTH_OK)
		goto out;
	if (store_affected(r) == 0)
		rc = AUTH_ERR_NOT_FOUND;
out:
	PQclear(r);
	return rc;
}

enum auth_err
auth_store_user_mark_verified(const char *user_id)
{
	const char *const vals[1] = { user_id };

	return store_update(ST_USER_MARK_VERIFIED, 1, vals);
}

enum auth_err
auth_store_user_set_password(const char *user_id, const char *pw_hash)
{
	const char *const vals[2] = { user_id, pw_hash };

	return store_update(ST_USER_SET_PASSWORD, 2, vals);
}

enum auth_err
auth_store_email_token_insert(const char *user_id,
    const unsigned char hash[AUTH_HASH_LEN], const char *purpose,
    long ttl_seconds)
{
	char		 ttl[24];
	const char *const vals[4] = { user_id, (const char *)hash, purpose,
	    ttl };
	const int	 lens[4] = { 0, AUTH_HASH_LEN, 0, 0 };
	const int	 fmts[4] = { 0, 1, 0, 0 };
	PGresult	*r = NULL;
	enum auth_err	 rc;

	if (!store_uuid_ok(user_id))
		return AUTH_ERR_NOT_FOUND;
	snprintf(ttl, sizeof(ttl), "%ld", ttl_seconds);
	rc = store_exec(ST_EMAIL_TOKEN_INSERT, 4, vals, lens, fmts, &r);
	PQclear(r);
	return rc;
}

enum auth_err
auth_store_email_token_consume(const unsigned char hash[AUTH_HASH_LEN],
    const char *purpose, char user_id[AUTH_UUID_LEN + 1])
{
	const char *const vals[2] = { (const char *)hash, purpose };
	const int	 lens[2] = { AUTH_HASH_LEN, 0 };
	const int	 fmts[2] = { 1, 0 };
	PGresult	*r = NULL;
	enum auth_err	 rc;

	user_id[0] = '\0';
	if ((rc = store_exec(ST_EMAIL_TOKEN_CONSUME, 2, vals, lens, fmts,
	    &r)) != AUTH_OK)
		goto out;
	if (PQntuples(r) != 1)
		rc = AUTH_ERR_NOT_FOUND;
	else if (store_copy(r, 0, 0, user_id, AUTH_UUID_LEN + 1, false) == -1)
		rc = AUTH_ERR_INTERNAL;
out:
	PQclear(r);
	return rc;
}

enum auth_err
auth_store_outbox_insert(const char *recipient, const char *template,
    const unsigned char *payload, size_t len)
{
	const char *const vals[3] = { recipient, template,
	    (const char *)payload };
	const int	 lens[3] = { 0, 0, (int)len };
	const int	 fmts[3] = { 0, 0, 1 };
	PGresult	*r = NULL;
	enum auth_err	 rc;

	if (len > INT32_MAX / 2)
		return AUTH_ERR_INTERNAL;
	rc = store_exec(ST_OUTBOX_INSERT, 3, vals, lens, fmts, &r);
	PQclear(r);
	return rc;
}

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
	if ((rc = store_exec(ST_SESSION_CREATE, 4, vals, NULL, NULL, &r)) !=
	    AUTH_OK)
		goto out;
	if (PQntuples(r) != 1 ||
	    store_copy(r, 0, 0, session_id, AUTH_UUID_LEN + 1, false) == -1)
		rc = AUTH_ERR_INTERNAL;
out:
	PQclear(r);
	return rc;
}

enum auth_err
auth_store_session_touch(const char *session_id)
{
	const char *const vals[1] = { session_id };

	return store_update(ST_SESSION_TOUCH, 1, vals);
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
	if ((rc = store_exec(ST_SESSION_REVOKE, 2, vals, NULL, NULL, &r)) !=
	    AUTH_OK)
		goto out;
	if (PQntuples(r) != 1 || store_llong(r, 0, 0) < 0)
		rc = AUTH_ERR_INTERNAL;
	else if (store_llong(r, 0, 0) == 0)
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
	PGresult	*r = NULL;
	enum auth_err	 rc;

	if (!store_uuid_ok(session_id))
		return AUTH_ERR_NOT_FOUND;
	snprintf(ttl, sizeof(ttl), "%ld", ttl_seconds);
	if ((rc = store_exec(ST_REFRESH_INSERT, 3, vals, lens, fmts, &r)) !=
	    AUTH_OK)
		goto out;
	if (store_affected(r) == 0)
		rc = AUTH_ERR_NOT_FOUND;
out:
	PQclear(r);
	return rc;
}

enum auth_err
auth_store_refresh_lock(const unsigned char hash[AUTH_HASH_LEN],
    struct auth_refresh_row *row)
{
	const char *const vals[1] = { (const char *)hash };
	const int	 lens[1] = { AUTH_HASH_LEN };
	const int	 fmts[1] = { 1 };
	PGresult	*r = NULL;
	enum auth_err	 rc;

	memset(row, 0, sizeof(*row));
	if ((rc = store_exec(ST_REFRESH_LOCK, 1, vals, lens, fmts, &r)) !=
	    AUTH_OK)
		goto out;
	if (PQntuples(r) != 1) {
		rc = AUTH_ERR_NOT_FOUND;
		goto out;
	}
	if (PQnfields(r) != 6 ||
	    store_copy(r, 0, 0, row->session_id, sizeof(row->session_id),
	    false) == -1 ||
	    store_copy(r, 0, 1, row->user_id, sizeof(row->user_id),
	    false) == -1 ||
	    (row->rotated_age = store_llong(r, 0, 4)) < 0) {
		auth_log_error(NULL, "store: unexpected refresh_lock row");
		memset(row, 0, sizeof(*row));
		rc = AUTH_ERR_INTERNAL;
		goto out;
	}
	row->usable = store_bool(r, 0, 2);
	row->rotated = store_bool(r, 0, 3);
	row->user_disabled = store_bool(r, 0, 5);
out:
	PQclear(r);
	return rc;
}

enum auth_err
auth_store_refresh_mark_rotated(const unsigned char hash[AUTH_HASH_LEN])
{
	const char *const vals[1] = { (const char *)hash };
	const int	 lens[1] = { AUTH_HASH_LEN };
	const int	 fmts[1] = { 1 };
	PGresult	*r = NULL;
	enum auth_err	 rc;

	if ((rc = store_exec(ST_REFRESH_MARK_ROTATED, 1, vals, lens, fmts,
	    &r)) != AUTH_OK)
		goto out;
	if (store_affected(r) == 0)
		rc = AUTH_ERR_NOT_FOUND;
out:
	PQclear(r);
	return rc;
}

enum auth_err
auth_store_refresh_session(const unsigned char hash[AUTH_HASH_LEN],
    char session_id[AUTH_UUID_LEN + 1], char user_id[AUTH_UUID_LEN + 1])
{
	const char *const vals[1] = { (const char *)hash };
	const int	 lens[1] = { AUTH_HASH_LEN };
	const int	 fmts[1] = { 1 };
	PGresult	*r = NULL;
	enum auth_err	 rc;

	session_id[0] = '\0';
	user_id[0] = '\0';
	if ((rc = store_exec(ST_REFRESH_SESSION, 1, vals, lens, fmts, &r)) !=
	    AUTH_OK)
		goto out;
	if (PQntuples(r) != 1) {
		rc = AUTH_ERR_NOT_FOUND;
		goto out;
	}
	if (store_copy(r, 0, 0, session_id, AUTH_UUID_LEN + 1, false) == -1 ||
	    store_copy(r, 0, 1, user_id, AUTH_UUID_LEN + 1, false) == -1) {
		session_id[0] = '\0';
		user_id[0] = '\0';
		rc = AUTH_ERR_INTERNAL;
	}
out:
	PQclear(r);
	return rc;
}

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
	char		 ua[STORE_UA_MAX + 1], reqid[STORE_REQID_MAX + 1];
	const char	*vals[6];
	PGresult	*r = NULL;
	enum auth_err	 rc;

	if (!store_event_ok(event)) {
		auth_log_error(NULL, "store: audit event name rejected");
		return AUTH_ERR_INTERNAL;
	}
	if (user_id != NULL && !store_uuid_ok(user_id)) {
		auth_log_error(NULL, "store: audit %s with a malformed user id",
		    event);
		user_id = NULL;
	}
	if (detail_json != NULL && !store_json_ok(detail_json)) {
		auth_log_error(NULL, "store: audit %s detail is not valid JSON; "
		    "dropped", event);
		detail_json = NULL;
	}
	vals[0] = user_id;
	vals[1] = event;
	vals[2] = cl != NULL ? store_inet(cl->ip) : NULL;
	vals[3] = NULL;
	vals[4] = NULL;
	vals[5] = detail_json;
	if (cl != NULL && cl->user_agent != NULL) {
		store_clean_text(cl->user_agent, ua, sizeof(ua));
		vals[3] = ua;
	}
	if (cl != NULL && cl->request_id != NULL) {
		store_clean_text(cl->request_id, reqid, sizeof(reqid));
		vals[4] = reqid;
	}
	rc = store_exec(ST_AUDIT, 6, vals, NULL, NULL, &r);
	PQclear(r);
	return rc;
}

enum auth_err
auth_store_ping(void)
{
	PGresult	*r = NULL;
	enum auth_err	 rc;

	rc = store_exec(ST_PING, 0, NULL, NULL, NULL, &r);
	PQclear(r);
	return rc;
}

/* ---- account lifecycle: sessions, operator commands, audit trail ---- */

/* Runs a statement answering one count(*) into *count. */
static enum auth_err
store_count(enum store_stmt st, int n, const char *const *vals,
    long *count)
{
	PGresult	*r = NULL;
	long long	 v;
	enum auth_err	 rc;

	if (count != NULL)
		*count = 0;
	if ((rc = store_exec(st, n, vals, NULL, NULL, &r)) != AUTH_OK)
		goto out;
	if (PQntuples(r) != 1 || (v = store_llong(r, 0, 0)) < 0) {
		rc = AUTH_ERR_INTERNAL;
		goto out;
	}
	if (count != NULL)
		*count = (long)v;
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
	return store_count(ST_SESSIONS_REVOKE_USER, 3, vals, count);
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
	if ((rc = store_count(ST_SESSION_REVOKE_OWNED, 3, vals, &n)) !=
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
	if ((rc = store_exec(ST_SESSION_LIVE, 2, vals, NULL, NULL, &r)) ==
	    AUTH_OK && PQntuples(r) != 1)
		rc = AUTH_ERR_NOT_FOUND;
	PQclear(r);
	return rc;
}

enum auth_err
auth_store_sessions_list(const char *user_id,
    int (*fn)(void *arg, const struct auth_session_row *row), void *arg)
{
	char		 max[24];
	const char *const vals[2] = { user_id, max };
	struct auth_session_row row;
	PGresult	*r = NULL;
	enum auth_err	 rc;
	int		 i;

	if (!store_uuid_ok(user_id))
		return AUTH_ERR_NOT_FOUND;
	snprintf(max, sizeof(max), "%d", AUTH_SESSIONS_LIST_MAX);
	if ((rc = store_exec(ST_SESSIONS_LIST, 2, vals, NULL, NULL, &r)) !=
	    AUTH_OK)
		goto out;
	if (PQnfields(r) != 6) {
		rc = AUTH_ERR_INTERNAL;
		goto out;
	}
	for (i = 0; i < PQntuples(r); i++) {
		if (store_copy(r, i, 0, row.id, sizeof(row.id), false) == -1 ||
		    store_copy(r, i, 1, row.created_at, sizeof(row.created_at),
		    false) == -1 ||
		    store_copy(r, i, 2, row.last_used_at,
		    sizeof(row.last_used_at), false) == -1 ||
		    store_copy(r, i, 3, row.expires_at, sizeof(row.expires_at),
		    false) == -1 ||
		    store_copy(r, i, 4, row.ip, sizeof(row.ip), false) == -1 ||
		    store_copy(r, i, 5, row.user_agent, sizeof(row.user_agent),
		    false) == -1) {
			auth_log_error(NULL, "store: unexpected sessions row");
			rc = AUTH_ERR_INTERNAL;
			goto out;
		}
		if (fn(arg, &row) != 0) {
			rc = AUTH_ERR_INTERNAL;
			goto out;
		}
	}
out:
	PQclear(r);
	return rc;
}

enum auth_err
auth_store_sessions_count(const char *user_id, long *count)
{
	const char *const vals[1] = { user_id };

	*count = 0;
	if (!store_uuid_ok(user_id))
		return AUTH_ERR_NOT_FOUND;
	return store_count(ST_SESSIONS_COUNT, 1, vals, count);
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

	return store_update(ST_USER_SET_DISABLED, 2, vals);
}

enum auth_err
auth_store_audit_list(const char *email, const char *since, long limit,
    int (*fn)(void *arg, const struct auth_audit_row *row), void *arg)
{
	char		 lim[24];
	const char *const vals[3] = { email, since, lim };
	struct auth_audit_row *row = NULL;
	PGresult	*r = NULL;
	enum auth_err	 rc;
	int		 i;

	snprintf(lim, sizeof(lim), "%ld", limit > 0 ? limit : 1);
	if ((row = calloc(1, sizeof(*row))) == NULL)
		return AUTH_ERR_INTERNAL;
	if ((rc = store_exec(ST_AUDIT_LIST, 3, vals, NULL, NULL, &r)) !=
	    AUTH_OK)
		goto out;
	if (PQnfields(r) != 7) {
		rc = AUTH_ERR_INTERNAL;
		goto out;
	}
	for (i = 0; i < PQntuples(r); i++) {
		if (store_copy(r, i, 0, row->at, sizeof(row->at), false) == -1 ||
		    store_copy(r, i, 1, row->event, sizeof(row->event),
		    false) == -1 ||
		    store_copy(r, i, 2, row->email, sizeof(row->email),
		    false) == -1 ||
		    store_copy(r, i, 3, row->ip, sizeof(row->ip), false) == -1 ||
		    store_copy(r, i, 4, row->user_agent,
		    sizeof(row->user_agent), false) == -1 ||
		    store_copy(r, i, 5, row->request_id,
		    sizeof(row->request_id), false) == -1 ||
		    store_copy(r, i, 6, row->detail, sizeof(row->detail),
		    false) == -1) {
			auth_log_error(NULL, "store: unexpected audit row");
			rc = AUTH_ERR_INTERNAL;
			goto out;
		}
		if (fn(arg, row) != 0) {
			rc = AUTH_ERR_INTERNAL;
			goto out;
		}
	}
out:
	PQclear(r);
	free(row);
	return rc;
}

/* ---- outbox delivery ------------------------------------------------- */

void
auth_store_outbox_msg_clear(struct auth_outbox_msg *m)
{
	if (m == NULL)
		return;
	if (m->payload != NULL) {
		auth_wipe(m->payload, m->payload_len);
		free(m->payload);
	}
	auth_wipe(m, sizeof(*m));
}

enum auth_err
auth_store_outbox_claim(long lease_seconds, struct auth_outbox_msg *m)
{
	char		 lease[24];
	const char *const vals[1] = { lease };
	PGresult	*r = NULL;
	unsigned char	*raw = NULL;
	size_t		 rawlen = 0;
	long long	 v;
	enum auth_err	 rc;

	memset(m, 0, sizeof(*m));
	snprintf(lease, sizeof(lease), "%ld", lease_seconds);
	if ((rc = store_exec(ST_OUTBOX_CLAIM, 1, vals, NULL, NULL, &r)) !=
	    AUTH_OK)
		goto out;
	if (PQntuples(r) == 0) {
		rc = AUTH_ERR_NOT_FOUND;
		goto out;
	}
	rc = AUTH_ERR_INTERNAL;
	if (PQntuples(r) != 1 || PQnfields(r) != 5 ||
	    (m->id = store_llong(r, 0, 0)) < 0 ||
	    (v = store_llong(r, 0, 1)) < 0 || v > INT32_MAX ||
	    store_copy(r, 0, 2, m->recipient, sizeof(m->recipient),
	    false) == -1 ||
	    store_copy(r, 0, 3, m->template, sizeof(m->template),
	    false) == -1 || PQgetisnull(r, 0, 4)) {
		auth_log_error(NULL, "store: unexpected outbox_claim row");
		goto out;
	}
	m->attempts = (int)v;
	raw = PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, 4),
	    &rawlen);
	if (raw == NULL)
		goto out;
	if ((m->payload = malloc(rawlen > 0 ? rawlen : 1)) == NULL)
		goto out;
	memcpy(m->payload, raw, rawlen);
	m->payload_len = rawlen;
	rc = AUTH_OK;
out:
	if (raw != NULL) {
		auth_wipe(raw, rawlen);
		PQfreemem(raw);
	}
	PQclear(r);
	if (rc != AUTH_OK && rc != AUTH_ERR_NOT_FOUND)
		auth_store_outbox_msg_clear(m);
	return rc;
}

/* Runs an UPDATE of a claimed row; NOT_FOUND if the claim is gone. */
static enum auth_err
store_outbox_update(enum store_stmt st, int n, const char *const *vals,
    bool counts_rows)
{
	PGresult	*r = NULL;
	enum auth_err	 rc;

	if ((rc = store_exec(st, n, vals, NULL, NULL, &r)) != AUTH_OK)
		goto out;
	if (counts_rows ? store_affected(r) == 0 : PQntuples(r) == 0)
		rc = AUTH_ERR_NOT_FOUND;
out:
	PQclear(r);
	return rc;
}

enum auth_err
auth_store_outbox_sent(const struct auth_outbox_msg *m)
{
	char		 id[24], att[16];
	const char *const vals[2] = { id, att };

	snprintf(id, sizeof(id), "%lld", m->id);
	snprintf(att, sizeof(att), "%d", m->attempts);
	return store_outbox_update(ST_OUTBOX_SENT, 2, vals, true);
}

enum auth_err
auth_store_outbox_failed(const struct auth_outbox_msg *m, long delay,
    bool give_up, const char *error)
{
	char		 id[24], att[16], d[24], why[AUTH_OUTBOX_ERROR_MAX + 1];
	const char *const vals[5] = { id, att, give_up ? "true" : "false", d,
	    why };

	snprintf(id, sizeof(id), "%lld", m->id);
	snprintf(att, sizeof(att), "%d", m->attempts);
	snprintf(d, sizeof(d), "%ld", delay > 0 ? delay : 0);
	store_clean_text(error != NULL ? error : "unknown error", why,
	    sizeof(why));
	return store_outbox_update(ST_OUTBOX_FAILED, 5, vals, true);
}

enum auth_err
auth_store_outbox_release(const struct auth_outbox_msg *m)
{
	char		 id[24], att[16];
	const char *const vals[2] = { id, att };

	snprintf(id, sizeof(id), "%lld", m->id);
	snprintf(att, sizeof(att), "%d", m->attempts);
	return store_outbox_update(ST_OUTBOX_RELEASE, 2, vals, false);
}

enum auth_err
auth_store_outbox_reclaim(long *count)
{
	PGresult	*r = NULL;
	enum auth_err	 rc;

	if (count != NULL)
		*count = 0;
	rc = store_exec(ST_OUTBOX_RECLAIM, 0, NULL, NULL, NULL, &r);
	if (rc == AUTH_OK && count != NULL)
		*count = (long)store_affected(r);
	PQclear(r);
	return rc;
}

enum auth_err
auth_store_outbox_next_due(double *seconds)
{
	PGresult	*r = NULL;
	char		*end;
	enum auth_err	 rc;

	*seconds = 0;
	if ((rc = store_exec(ST_OUTBOX_NEXT_DUE, 0, NULL, NULL, NULL, &r)) !=
	    AUTH_OK)
		goto out;
	if (PQntuples(r) != 1 || PQgetisnull(r, 0, 0)) {
		rc = AUTH_ERR_NOT_FOUND;
		goto out;
	}
	*seconds = strtod(PQgetvalue(r, 0, 0), &end);
	if (*end != '\0' || *seconds < 0)
		*seconds = 0;
out:
	PQclear(r);
	return rc;
}
