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
/* Number of live sessions of user_id. */
enum auth_err auth_store_sessions_count(const char *user_id, long *count);

#endif
