/*
 * Login, refresh rotation and logout: the rules of API.md, each change in
 * one transaction with its audit event.
 */
#include "flow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "hmac.h"
#include "password.h"
#include "base_codec.h"
#include "base_secret.h"

void
auth_tokens_clear(struct auth_tokens *t)
{
	if (t == NULL)
		return;
	if (t->access != NULL) {
		auth_wipe(t->access, strlen(t->access));
		free(t->access);
	}
	auth_wipe(t, sizeof(*t));
}

/* Copies a refusal verdict to ctx->rl; AUTH_ERR_RATE_LIMITED. */
static enum auth_err
refused(const struct auth_ctx *ctx, const struct auth_rl_verdict *v)
{
	if (ctx->rl != NULL)
		*ctx->rl = *v;
	return AUTH_ERR_RATE_LIMITED;
}

/* Signs the access token of a pair for u within session sid. */
static enum auth_err
issue_access(const struct auth_ctx *ctx, const struct auth_user *u,
    const char *sid, struct auth_tokens *out)
{
	struct auth_jwt_claims c;
	enum auth_err e;
	size_t i;

	memset(&c, 0, sizeof(c));
	snprintf(c.sub, sizeof(c.sub), "%s", u->id);
	snprintf(c.sid, sizeof(c.sid), "%s", sid);
	snprintf(c.email, sizeof(c.email), "%s", u->email);
	c.email_verified = u->email_verified;
	for (i = 0; i < u->nroles && i < AUTH_ROLES_MAX; i++)
		snprintf(c.roles[i], sizeof(c.roles[i]), "%s", u->roles[i]);
	c.nroles = i;
	e = auth_jwt_issue(ctx->keys, ctx->cfg, ctx->now, &c, &out->access);
	out->expires_in = ctx->cfg->access_ttl;
	snprintf(out->user_id, sizeof(out->user_id), "%s", u->id);
	return e;
}

/* A new refresh token in session sid; the caller holds the transaction. */
static enum auth_err
issue_refresh(const struct auth_ctx *ctx, const char *sid,
    struct auth_tokens *out)
{
	unsigned char th[AUTH_HASH_LEN];
	enum auth_err e;

	if (auth_token_new(out->refresh) != 0)
		return AUTH_ERR_INTERNAL;
	auth_sha256(out->refresh, AUTH_TOKEN_LEN, th);
	e = auth_store_refresh_insert(th, sid, ctx->cfg->refresh_ttl);
	out->refresh_expires_in = ctx->cfg->refresh_ttl;
	auth_wipe(th, sizeof(th));
	return e;
}

/*
 * The checks of a login before any change: the delays and limits, the
 * password, the account's state. u is filled from the store; *rehash says
 * whether the stored hash wants upgrading.
 */
static enum auth_err
login_check(const struct auth_ctx *ctx, const struct auth_client *cl,
    const char *email, const char *pw, size_t pw_len, struct auth_user *u,
    bool *rehash)
{
	bool known = false;
	enum auth_err e;
	int ok;

	/*
	 * Existing or not, an address under attack waits before any hashing;
	 * the owner's own known-good address is exempt from account limits.
	 */
	if ((e = auth_flow_login_gate(ctx, cl, email,
	    AUTH_RL_RULE(AUTH_RL_LOGIN_ACCOUNT), &known)) != AUTH_OK)
		return e;
	e = auth_store_user_by_email(email, u);
	if (e == AUTH_ERR_NOT_FOUND) {
		/* A wrong password's work: the hash, the audit row, the count. */
		auth_pw_burn(pw, pw_len);
		snprintf(u->email, sizeof(u->email), "%s", email);
		auth_flow_login_failed(cl, u, "{\"reason\":\"unknown\"}");
		return AUTH_ERR_INVALID_CREDENTIALS;
	}
	if (e != AUTH_OK)
		return e;
	ok = auth_pw_verify(pw, pw_len, u->password_hash,
	    ctx->cfg->password_cost, rehash);
	if (ok < 0)
		return AUTH_ERR_INTERNAL;
	if (ok == 0) {
		auth_flow_login_failed(cl, u, "{\"reason\":\"password\"}");
		return AUTH_ERR_INVALID_CREDENTIALS;
	}
	auth_rl_login_succeeded(email, strlen(email), cl->ip);
	/* Account state is told only to someone who knows the password. */
	if (u->disabled) {
		auth_flow_audit_event(AUTH_AUDIT_LOGIN_FAILED, u->id, cl,
		    "{\"reason\":\"disabled\"}");
		return AUTH_ERR_ACCOUNT_DISABLED;
	}
	if (!u->email_verified)
		return AUTH_ERR_EMAIL_NOT_VERIFIED;
	return AUTH_OK;
}

/* Starts a session of u with its first token pair, inside the
 * transaction. */
static enum auth_err
login_tx(const struct auth_ctx *ctx, const struct auth_client *cl,
    const struct auth_user *u, const char *pw, size_t pw_len, bool rehash,
    struct auth_tokens *out)
{
	char sid[AUTH_UUID_LEN + 1];
	char hash[AUTH_PW_HASH_MAX];
	enum auth_err e;

	memset(hash, 0, sizeof(hash));
	if (rehash && auth_pw_hash(pw, pw_len, ctx->cfg->password_cost,
	    hash) == AUTH_OK &&
	    (e = auth_store_user_set_password(u->id, hash)) != AUTH_OK)
		goto out;
	if ((e = auth_store_session_create(u->id, cl,
	    ctx->cfg->session_max_lifetime, sid)) != AUTH_OK)
		goto out;
	if ((e = issue_refresh(ctx, sid, out)) != AUTH_OK)
		goto out;
	/* Signed first: a signing failure must not leave a live session. */
	if ((e = issue_access(ctx, u, sid, out)) != AUTH_OK)
		goto out;
	auth_flow_audit_event(AUTH_AUDIT_LOGIN_SUCCEEDED, u->id, cl, NULL);
out:
	auth_wipe(hash, sizeof(hash));
	return e;
}

enum auth_err
auth_flow_login(const struct auth_ctx *ctx, const struct auth_client *cl,
    const char *email_in, size_t email_len, const char *pw, size_t pw_len,
    struct auth_tokens *out)
{
	char email[AUTH_EMAIL_MAX + 1];
	struct auth_user u;
	bool rehash = false;
	enum auth_err e;

	memset(out, 0, sizeof(*out));
	memset(&u, 0, sizeof(u));
	if (auth_email_copy(email_in, email_len, email) != 0) {
		auth_pw_burn(pw, pw_len);
		return AUTH_ERR_INVALID_CREDENTIALS;
	}
	if ((e = login_check(ctx, cl, email, pw, pw_len, &u, &rehash)) ==
	    AUTH_OK && (e = auth_db_begin()) == AUTH_OK)
		e = auth_flow_tx_end(login_tx(ctx, cl, &u, pw, pw_len, rehash,
		    out));
	if (e != AUTH_OK)
		auth_tokens_clear(out);
	auth_wipe(&u, sizeof(u));
	return e;
}

/*
 * The successor of the presented refresh token tok: an HMAC of it under
 * the server key, so every retry of one rotation gets the same token.
 */
static enum auth_err
refresh_successor(const char *tok, size_t len, char out[AUTH_TOKEN_LEN + 1])
{
	unsigned char mac[AUTH_HASH_LEN];
	size_t n = 0;

	if (auth_hmac(AUTH_HMAC_REFRESH_SUCCESSOR, tok, len, mac) == 0)
		n = auth_b64url_encode(mac, sizeof(mac), out, AUTH_TOKEN_LEN + 1);
	auth_wipe(mac, sizeof(mac));
	return n == AUTH_TOKEN_LEN ? AUTH_OK : AUTH_ERR_INTERNAL;
}

/*
 * The rotation of the token tok (hashed th) of the looked-up row and
 * account u: a fresh access token and the successor, then the change in
 * one statement, which applies the rules again under the row locks. The
 * first rotation stores the successor's hash; a retry within the leeway
 * gets the same successor and stores nothing, so the family keeps one
 * live refresh token. A rotated token presented again after the leeway
 * burns the family (*reuse).
 */
static enum auth_err
refresh_rotate(const struct auth_ctx *ctx, const struct auth_client *cl,
    const char *tok, size_t len, const unsigned char *th,
    const struct auth_refresh_row *row, const struct auth_user *u,
    struct auth_tokens *out, bool *reuse)
{
	unsigned char sh[AUTH_HASH_LEN];
	long leeway = ctx->cfg->refresh_reuse_leeway;
	enum auth_err e;

	memset(sh, 0, sizeof(sh));
	/* Signed first: a signing failure must not burn the old token. */
	if (!row->rotated || (leeway > 0 && row->rotated_age < leeway)) {
		if ((e = refresh_successor(tok, len, out->refresh)) != AUTH_OK ||
		    (e = issue_access(ctx, u, row->session_id, out)) != AUTH_OK)
			goto out;
		out->refresh_expires_in = ctx->cfg->refresh_ttl;
		auth_sha256(out->refresh, AUTH_TOKEN_LEN, sh);
	}
	e = auth_store_refresh_rotate(th, sh, ctx->cfg->refresh_ttl, leeway,
	    auth_revoke_names[AUTH_REVOKE_REFRESH_TOKEN_REUSE],
	    auth_audit_names[AUTH_AUDIT_REFRESH_TOKEN_REUSE], cl, reuse);
	if (e == AUTH_OK && *reuse)
		auth_flow_count_revoked(1);	/* the family's session */
	if (e == AUTH_ERR_NOT_FOUND)
		e = AUTH_ERR_INVALID_REFRESH_TOKEN;
out:
	auth_wipe(sh, sizeof(sh));
	return e;
}

/*
 * The rotation rules for the token tok (len bytes, hashed as th): the
 * lookup, the limiter's count of the session once the token is found, the
 * change. *reuse says the family was burnt: the caller answers 401.
 */
static enum auth_err
refresh_run(const struct auth_ctx *ctx, const struct auth_client *cl,
    const char *tok, size_t len, const unsigned char *th,
    struct auth_tokens *out, bool *reuse)
{
	struct auth_refresh_row row;
	struct auth_rl_verdict v;
	struct auth_user u;
	enum auth_err e;

	e = auth_store_user_by_refresh(th, &row, &u);
	if (e == AUTH_ERR_NOT_FOUND)
		e = AUTH_ERR_INVALID_REFRESH_TOKEN;
	/* Revoked, expired, or the account disabled: the same 401. */
	else if (e == AUTH_OK && !row.usable)
		e = AUTH_ERR_INVALID_REFRESH_TOKEN;
	if (e != AUTH_OK)
		goto out;
	auth_rl_check(AUTH_RL_RULE(AUTH_RL_REFRESH_SESSION), row.session_id,
	    strlen(row.session_id), &v);
	if (!v.allowed)
		e = refused(ctx, &v);
	else
		e = refresh_rotate(ctx, cl, tok, len, th, &row, &u, out, reuse);
out:
	auth_wipe(&u, sizeof(u));
	auth_wipe(&row, sizeof(row));
	return e;
}

enum auth_err
auth_flow_refresh(const struct auth_ctx *ctx, const struct auth_client *cl,
    const char *token, size_t len, struct auth_tokens *out)
{
	unsigned char th[AUTH_HASH_LEN];
	bool reuse = false;
	enum auth_err e;

	memset(out, 0, sizeof(*out));
	if (!auth_token_wellformed(token, len))
		return AUTH_ERR_INVALID_REFRESH_TOKEN;
	auth_sha256(token, len, th);
	e = refresh_run(ctx, cl, token, len, th, out, &reuse);
	if (reuse && e == AUTH_OK)
		e = AUTH_ERR_INVALID_REFRESH_TOKEN;
	if (e != AUTH_OK)
		auth_tokens_clear(out);
	auth_wipe(th, sizeof(th));
	return e;
}

enum auth_err
auth_flow_refresh_sid(const char *token, size_t len,
    char sid[AUTH_UUID_LEN + 1])
{
	unsigned char th[AUTH_HASH_LEN];
	char uid[AUTH_UUID_LEN + 1];
	enum auth_err e;

	if (!auth_token_wellformed(token, len))
		return AUTH_ERR_NOT_FOUND;
	auth_sha256(token, len, th);
	e = auth_store_refresh_session(th, sid, uid);
	auth_wipe(th, sizeof(th));
	return e;
}

enum auth_err
auth_flow_logout(const struct auth_ctx *ctx, const struct auth_client *cl,
    const char *token, size_t len)
{
	unsigned char th[AUTH_HASH_LEN];
	enum auth_err e;

	(void)ctx;
	if (!auth_token_wellformed(token, len))
		return AUTH_OK;
	auth_sha256(token, len, th);
	e = auth_store_session_logout(th, auth_revoke_names[AUTH_REVOKE_LOGOUT],
	    auth_audit_names[AUTH_AUDIT_LOGOUT], cl);
	if (e == AUTH_OK)
		auth_flow_count_revoked(1);
	auth_wipe(th, sizeof(th));
	return e == AUTH_ERR_NOT_FOUND ? AUTH_OK : e;
}
