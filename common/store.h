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

#include "error.h"
#include "jwt.h"
#include "password.h"
#include "token.h"

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

#endif
