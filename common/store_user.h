/* users and user_roles: accounts as the flows and authctl read them. */
#ifndef AUTH_STORE_USER_H
#define AUTH_STORE_USER_H

#include <stdbool.h>
#include <stddef.h>

#include "base_err.h"
#include "jwt.h"
#include "password.h"
#include "store_session.h"
#include "store_stmt.h"
#include "base_codec.h"
#include "base_secret.h"

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

/* users: email compared by its key (users.email_key, auth_email_key);
 * roles filled from user_roles */
enum auth_err auth_store_user_by_email(const char *email, struct auth_user *u);
enum auth_err auth_store_user_by_id(const char *id, struct auth_user *u);
/* The user id if session_id is one of its live (unrevoked, unexpired)
 * sessions, in one statement; else NOT_FOUND. */
enum auth_err auth_store_user_by_session(const char *id,
	    const char *session_id, struct auth_user *u);
/* The account of an unused, unexpired email token of purpose; NOT_FOUND
 * for unknown, expired, used or wrong purpose alike. Takes no lock. */
enum auth_err auth_store_user_by_email_token(
	    const unsigned char hash[AUTH_HASH_LEN], const char *purpose,
	    struct auth_user *u);

/* The names a reset writes: the revoke reason, its audit event, and the
 * event of an address it verifies. */
struct auth_store_reset_names {
	const char	*reason;
	const char	*event;
	const char	*verified_event;
};

/*
 * A password reset's change in one statement: the token hashed as hash (of
 * purpose, of the account user_id, which must still be enabled) used, the
 * password hash pw_hash set, the address marked verified (audited as
 * names->verified_event if it was not), every live session revoked and
 * names->event audited with their number (*count). NOT_FOUND if the token
 * is no longer usable (nothing changed).
 */
enum auth_err auth_store_user_reset(const unsigned char hash[AUTH_HASH_LEN],
	    const char *purpose, const char *user_id, const char *pw_hash,
	    const struct auth_store_reset_names *names,
	    const struct auth_client *cl, long *count);

/* A refresh's lookup in one statement: the account of the refresh token
 * hashed as hash and the token's state, unlocked.
 * NOT_FOUND if unknown. */
enum auth_err auth_store_user_by_refresh(const unsigned char hash[AUTH_HASH_LEN],
	    struct auth_refresh_row *row, struct auth_user *u);

/*
 * Inserts a user unless one with this email's key exists; *inserted
 * says which. On insert u is filled (no roles). Race-free: concurrent inserts
 * of one address leave one row and no error. An address with a non-ASCII
 * byte is AUTH_ERR_VALIDATION (import too).
 */
enum auth_err auth_store_user_insert(const char *email, const char *pw_hash,
	    struct auth_user *u, bool *inserted);
enum auth_err auth_store_user_mark_verified(const char *user_id);
enum auth_err auth_store_user_set_password(const char *user_id,
	    const char *pw_hash);

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

/* True if s (len bytes) is a role name as user_roles' CHECK has it:
 * ^[a-z][a-z0-9_:-]{0,31}$. */
bool	auth_store_role_valid(const char *s, size_t len);

/* A row of the admin listing; booleans as "true"/"false". */
struct auth_user_row {
	char	id[AUTH_UUID_LEN + 1];
	char	email[AUTH_EMAIL_MAX + 1];
	char	verified[8];
	char	disabled[8];
	char	created_at[AUTH_TS_MAX];
	char	roles[AUTH_ROLES_MAX * (AUTH_ROLE_MAX + 1)];	/* a,b,c */
	char	cursor[AUTH_TS_MAX];	/* created_at to the microsecond */
};

/*
 * Calls fn for at most limit users, newest first: those whose email_key
 * matches the LIKE pattern (NULL: all) and, with after_ts and after_id
 * (a row's cursor and id; NULL: from the newest), older than that row.
 * A non-zero fn stops with AUTH_ERR_INTERNAL.
 */
enum auth_err auth_store_user_list(const char *pattern, const char *after_ts,
	    const char *after_id, long limit,
	    int (*fn)(void *arg, const struct auth_user_row *row), void *arg);

/* Deletes the user; their sessions, tokens and roles go with the row.
 * NOT_FOUND if no such user. */
enum auth_err auth_store_user_delete(const char *user_id);

/* Grants (or revokes) role; *changed is 1 if that changed a row, else 0.
 * NOT_FOUND for a malformed id or role; the user must exist. */
enum auth_err auth_store_role_set(const char *user_id, const char *role,
	    bool grant, long *changed);

/* A role of the listing. */
struct auth_role_row {
	char	email[AUTH_EMAIL_MAX + 1];
	char	role[AUTH_ROLE_MAX + 1];
};

/* Calls fn for every role of the user with this address (NULL: of every
 * user), by address then role. */
enum auth_err auth_store_role_list(const char *email,
	    int (*fn)(void *arg, const struct auth_role_row *row), void *arg);

#endif
