/* email_tokens. */
#include "store_email_token.h"

#include <stdio.h>

#include "store_audit.h"

enum {
	ST_EMAIL_TOKEN_INSERT = 0,
	ST_EMAIL_TOKEN_CONSUME,
	ST_EMAIL_TOKEN_VERIFY,
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
	/* email_token_consume of a verification token, user_mark_verified
	 * of its account and the audit row, in one statement. */
	[ST_EMAIL_TOKEN_VERIFY] = { "email_token_verify",
	    "WITH c AS ("
	    " UPDATE email_tokens SET used_at = now()"
	    " WHERE token_hash = $1::bytea AND purpose = $2::text"
	    " AND used_at IS NULL AND expires_at > now() RETURNING user_id), "
	    "v AS ("
	    " UPDATE users SET updated_at = now(),"
	    " email_verified_at = coalesce(email_verified_at, now())"
	    " WHERE id IN (SELECT user_id FROM c) RETURNING id), "
	    "a AS (" STORE_AUDIT_INSERT "SELECT v.id, "
	    STORE_AUDIT_PARAMS("3", "4", "5", "6", "7") " FROM v) "
	    "SELECT id FROM v" },
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
	    &r)) == AUTH_OK)
		rc = store_one_id(r, user_id);
	PQclear(r);
	return rc;
}

enum auth_err
auth_store_email_token_verify(const unsigned char hash[AUTH_HASH_LEN],
    const char *purpose, const char *event, const struct auth_client *cl,
    char user_id[AUTH_UUID_LEN + 1])
{
	const char	*vals[2 + STORE_AUDIT_NVALS] = { (const char *)hash,
	    purpose };
	const int	 lens[2 + STORE_AUDIT_NVALS] = { AUTH_HASH_LEN };
	const int	 fmts[2 + STORE_AUDIT_NVALS] = { 1 };
	PGresult	*r = NULL;
	enum auth_err	 rc;

	user_id[0] = '\0';
	if ((rc = store_exec_audited(STMT(ST_EMAIL_TOKEN_VERIFY), 2, vals,
	    lens, fmts, event, cl, NULL, &r)) == AUTH_OK)
		rc = store_one_id(r, user_id);
	PQclear(r);
	return rc;
}
