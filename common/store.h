/*
 * Every SQL statement of the service, one function per query, parameters
 * always bound. Functions return AUTH_OK, AUTH_ERR_NOT_FOUND where a row may
 * be missing, AUTH_ERR_UNAVAILABLE (connection lost) or AUTH_ERR_INTERNAL.
 * Transactions are the caller's (auth_db_begin/commit/rollback).
 * Token hashes are SHA-256 (AUTH_HASH_LEN bytes), bound as bytea.
 */
#ifndef AUTH_STORE_H
#define AUTH_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "base_err.h"
#include "jwt.h"
#include "password.h"
#include "base_codec.h"
#include "base_secret.h"

#define AUTH_TS_MAX	40	/* RFC 3339 timestamp text */

struct auth_user {
	char	id[AUTH_UUID_LEN + 1];
	char	email[AUTH_EMAIL_MAX + 1];
	char	password_hash[AUTH_PW_HASH_MAX];
	bool	email_verified;
	bool	disabled;
	char	created_at[AUTH_TS_MAX];	/* RFC 3339, UTC, e.g. 2026-11-24T09:13:36Z */
	char	roles[AUTH_ROLES_MAX][AUTH_ROLE_MAX + 1];
	size_t	nroles;
};

/* Client context recorded with sessions and audit events. */
struct auth_client {
	const char	*ip;		/* textual IP, may be NULL */
	const char	*user_agent;	/* may be NULL; stored truncated to 512 bytes */
	const char	*request_id;	/* may be NULL */
};

/* The statements, prepared on each new connection by db.c. */
struct auth_stmt {
	const char	*name;
	const char	*sql;
};
extern const struct auth_stmt auth_store_stmts[];
extern const size_t auth_store_nstmts;

/* users (email compared case-insensitively; roles filled from user_roles) */
enum auth_err auth_store_user_by_email(const char *email, struct auth_user *u);
enum auth_err auth_store_user_by_id(const char *id, struct auth_user *u);

/*
 * Inserts a user unless one with this email (any case) exists; *inserted
 * says which. On insert u is filled (no roles). Race-free: concurrent inserts
 * of one address leave one row and no error.
 */
enum auth_err auth_store_user_insert(const char *email, const char *pw_hash,
	    struct auth_user *u, bool *inserted);
enum auth_err auth_store_user_mark_verified(const char *user_id);
enum auth_err auth_store_user_set_password(const char *user_id,
	    const char *pw_hash);

/* email_tokens: insert voids older unused tokens of the same purpose. */
enum auth_err auth_store_email_token_insert(const char *user_id,
	    const unsigned char hash[AUTH_HASH_LEN], const char *purpose,
	    long ttl_seconds);
/* Marks the token used if unused and unexpired; fills user_id. NOT_FOUND
 * for unknown, expired, used or wrong purpose alike. */
enum auth_err auth_store_email_token_consume(
	    const unsigned char hash[AUTH_HASH_LEN], const char *purpose,
	    char user_id[AUTH_UUID_LEN + 1]);

/* outbox: payload is sealed (seal.h) with aad = recipient "\n" template. */
enum auth_err auth_store_outbox_insert(const char *recipient,
	    const char *template, const unsigned char *payload, size_t len);

/* sessions */
enum auth_err auth_store_session_create(const char *user_id,
	    const struct auth_client *cl, long max_lifetime,
	    char session_id[AUTH_UUID_LEN + 1]);
enum auth_err auth_store_session_touch(const char *session_id);
enum auth_err auth_store_session_revoke(const char *session_id,
	    const char *reason);

/* refresh_tokens */
struct auth_refresh_row {
	char		session_id[AUTH_UUID_LEN + 1];
	char		user_id[AUTH_UUID_LEN + 1];
	bool		usable;		/* token and session unrevoked, unexpired, user enabled */
	bool		rotated;	/* rotated_at is set */
	long long	rotated_age;	/* seconds since rotated_at (if rotated) */
	bool		user_disabled;
};

/* Inserts a token into session_id, expiring at min(now + ttl, session expiry). */
enum auth_err auth_store_refresh_insert(const unsigned char hash[AUTH_HASH_LEN],
	    const char *session_id, long ttl_seconds);
/* Locks the token row and its session (SELECT ... FOR UPDATE). NOT_FOUND if
 * unknown. Call inside a transaction. */
enum auth_err auth_store_refresh_lock(const unsigned char hash[AUTH_HASH_LEN],
	    struct auth_refresh_row *row);
enum auth_err auth_store_refresh_mark_rotated(
	    const unsigned char hash[AUTH_HASH_LEN]);
/* Finds the session of a token, whatever its state. NOT_FOUND if unknown. */
enum auth_err auth_store_refresh_session(const unsigned char hash[AUTH_HASH_LEN],
	    char session_id[AUTH_UUID_LEN + 1], char user_id[AUTH_UUID_LEN + 1]);

/* audit_events; user_id and detail_json may be NULL. */
enum auth_err auth_store_audit(const char *user_id, const char *event,
	    const struct auth_client *cl, const char *detail_json);

/* health: SELECT 1. */
enum auth_err auth_store_ping(void);

/* ---- account lifecycle: sessions, operator commands, audit trail ---- */

#define AUTH_SESSIONS_LIST_MAX	100	/* newest live sessions listed */

/* A live session as GET /auth/sessions shows it; ip, user_agent may be "". */
struct auth_session_row {
	char	id[AUTH_UUID_LEN + 1];
	char	created_at[AUTH_TS_MAX];
	char	last_used_at[AUTH_TS_MAX];
	char	expires_at[AUTH_TS_MAX];
	char	ip[64];
	char	user_agent[513];
};

/*
 * Revokes every live session of user_id except except_sid (NULL: all) with
 * reason; *count (may be NULL) gets the number revoked.
 */
enum auth_err auth_store_sessions_revoke_user(const char *user_id,
	    const char *except_sid, const char *reason, long *count);
/* Revokes session_id if it is a live session of user_id; else NOT_FOUND. */
enum auth_err auth_store_session_revoke_owned(const char *session_id,
	    const char *user_id, const char *reason);
/* AUTH_OK if session_id is a live (unrevoked, unexpired) session of
 * user_id, else NOT_FOUND. */
enum auth_err auth_store_session_live(const char *session_id,
	    const char *user_id);
/*
 * Calls fn for each live session of user_id (one with a usable refresh
 * token), newest first, at most AUTH_SESSIONS_LIST_MAX; a non-zero return
 * from fn stops the walk with AUTH_ERR_INTERNAL.
 */
enum auth_err auth_store_sessions_list(const char *user_id,
	    int (*fn)(void *arg, const struct auth_session_row *row), void *arg);

/*
 * Inserts an imported user keeping pw_hash as is; created_at (RFC 3339 or
 * NULL for now) and verified as given. *inserted false if the email exists.
 */
enum auth_err auth_store_user_import(const char *email, const char *pw_hash,
	    bool verified, const char *created_at, struct auth_user *u,
	    bool *inserted);
/* Sets or clears disabled_at. NOT_FOUND if no such user. */
enum auth_err auth_store_user_set_disabled(const char *user_id,
	    bool disabled);
/* Number of live sessions of user_id. */
enum auth_err auth_store_sessions_count(const char *user_id, long *count);

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

/* ---- outbox delivery (tools/auth-mailer) ---- */

#define AUTH_OUTBOX_CHANNEL	"authd_outbox"	/* NOTIFY on every insert */
#define AUTH_OUTBOX_ERROR_MAX	512		/* bytes of last_error kept */
#define AUTH_OUTBOX_TEMPLATE_MAX 64

/* A claimed outbox row; auth_store_outbox_msg_clear wipes and frees it. */
struct auth_outbox_msg {
	long long	 id;
	int		 attempts;	/* including this one */
	char		 recipient[AUTH_EMAIL_MAX + 1];
	char		 template[AUTH_OUTBOX_TEMPLATE_MAX + 1];
	unsigned char	*payload;	/* sealed (seal.h); malloc'd */
	size_t		 payload_len;
};
void	auth_store_outbox_msg_clear(struct auth_outbox_msg *m);

/*
 * Claims the longest-due pending row (FOR UPDATE SKIP LOCKED: concurrent
 * mailers never claim one row twice): status sending, attempts + 1, and a
 * lease of lease_seconds after which another mailer may reclaim it.
 * AUTH_ERR_NOT_FOUND if nothing is due.
 */
enum auth_err auth_store_outbox_claim(long lease_seconds,
	    struct auth_outbox_msg *m);
/* Marks a claimed row sent and empties its payload. AUTH_ERR_NOT_FOUND if
 * the claim was lost (its lease ran out and the row was reclaimed). */
enum auth_err auth_store_outbox_sent(const struct auth_outbox_msg *m);
/* Records a failed attempt: pending again in delay seconds, or failed for
 * good with give_up; error is stored cleaned and truncated. */
enum auth_err auth_store_outbox_failed(const struct auth_outbox_msg *m,
	    long delay, bool give_up, const char *error);
/* Hands a claimed row back as it was before the claim. */
enum auth_err auth_store_outbox_release(const struct auth_outbox_msg *m);
/* Makes rows whose lease ran out pending again; *count may be NULL. */
enum auth_err auth_store_outbox_reclaim(long *count);
/* Seconds until the next pending row is due (0: now); AUTH_ERR_NOT_FOUND
 * if none is pending. */
enum auth_err auth_store_outbox_next_due(double *seconds);

#endif
