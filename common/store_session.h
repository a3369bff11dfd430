/* sessions and refresh_tokens: the login sessions and their rotation. */
#ifndef AUTH_STORE_SESSION_H
#define AUTH_STORE_SESSION_H

#include <stdbool.h>

#include "base_err.h"
#include "store_stmt.h"
#include "base_codec.h"
#include "base_secret.h"

/* sessions */
enum auth_err auth_store_session_create(const char *user_id,
	    const struct auth_client *cl, long max_lifetime,
	    char session_id[AUTH_UUID_LEN + 1]);
enum auth_err auth_store_session_revoke(const char *session_id,
	    const char *reason);

/* refresh_tokens; a token's state as a refresh reads it */
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
/* Finds the session of a token, whatever its state. NOT_FOUND if unknown. */
enum auth_err auth_store_refresh_session(const unsigned char hash[AUTH_HASH_LEN],
	    char session_id[AUTH_UUID_LEN + 1], char user_id[AUTH_UUID_LEN + 1]);

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
/*
 * Calls fn for each live session of user_id (one with a usable refresh
 * token), newest first, at most AUTH_SESSIONS_LIST_MAX; a non-zero return
 * from fn stops the walk with AUTH_ERR_INTERNAL.
 */
enum auth_err auth_store_sessions_list(const char *user_id,
	    int (*fn)(void *arg, const struct auth_session_row *row), void *arg);
/*
 * Logout by refresh token: its session revoked with reason, as
 * auth_store_session_revoke, and the audit row event written, in one
 * statement. NOT_FOUND if the token is unknown.
 */
enum auth_err auth_store_session_logout(const unsigned char hash[AUTH_HASH_LEN],
	    const char *reason, const char *event, const struct auth_client *cl);
/*
 * Logout everywhere of the Bearer caller user_id of session_id: if the
 * account is enabled and the session live, every live session revoked
 * with reason and the audit row event written with their number (*count),
 * in one statement; else NOT_FOUND.
 */
enum auth_err auth_store_sessions_logout_all(const char *user_id,
	    const char *session_id, const char *reason, const char *event,
	    const struct auth_client *cl, long *count);
/*
 * A refresh's change under the row locks, in one statement: a usable
 * token not yet rotated is marked rotated and successor (its hash) stored,
 * expiring as auth_store_refresh_insert's; one rotated less than leeway
 * seconds ago stores nothing; both touch the session. A token rotated
 * before that revokes its session with reason (*reuse set) and writes the
 * audit row event. NOT_FOUND if unknown or not usable.
 */
enum auth_err auth_store_refresh_rotate(const unsigned char hash[AUTH_HASH_LEN],
	    const unsigned char successor[AUTH_HASH_LEN], long ttl_seconds,
	    long leeway, const char *reason, const char *event,
	    const struct auth_client *cl, bool *reuse);
/* auth_store_sessions_list of the Bearer caller user_id of session_id in
 * one statement, after the check of auth_store_sessions_logout_all;
 * NOT_FOUND if it fails. */
enum auth_err auth_store_sessions_list_caller(const char *user_id,
	    const char *session_id,
	    int (*fn)(void *arg, const struct auth_session_row *row), void *arg);
/*
 * auth_store_session_revoke_owned of session_id by the Bearer caller
 * user_id of caller_sid, after the check of auth_store_sessions_logout_all,
 * and its audit row event with detail_json, in one statement: NOT_FOUND if
 * the check fails, else *count the number revoked (0 or 1).
 */
enum auth_err auth_store_session_revoke_caller(const char *user_id,
	    const char *caller_sid, const char *session_id, const char *reason,
	    const char *event, const struct auth_client *cl,
	    const char *detail_json, long *count);
/* Number of live sessions of user_id. */
enum auth_err auth_store_sessions_count(const char *user_id, long *count);

#endif
