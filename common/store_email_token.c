/* email_tokens. */
#include "store_email_token.h"

#include <stdio.h>

enum {
	ST_EMAIL_TOKEN_INSERT = 0,
	ST_EMAIL_TOKEN_CONSUME,
	ST_EMAIL_TOKEN__MAX
};

static const struct auth_stmt email_token_stmts[ST_EMAIL_TOKEN__MAX] = {
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
};
const struct auth_stmt_group auth_store_email_token_group = {
	email_token_stmts, ST_EMAIL_TOKEN__MAX
};

#define STMT(st)	(&email_token_stmts[(st)])

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
	rc = store_exec(STMT(ST_EMAIL_TOKEN_INSERT), 4, vals, lens, fmts, &r);
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
	if ((rc = store_exec(STMT(ST_EMAIL_TOKEN_CONSUME), 2, vals, lens, fmts,
	    &r)) != AUTH_OK)
		goto out;
	if (PQntuples(r) != 1)
		rc = AUTH_ERR_NOT_FOUND;
	else if (store_copy(r, 0, STORE_C_ONLY, user_id, AUTH_UUID_LEN + 1,
	    false) == -1)
		rc = AUTH_ERR_INTERNAL;
out:
	PQclear(r);
	return rc;
}
