/*
 * Passwords after signup: the forgotten-password mail, the reset by its
 * token and the change by a signed-in caller; each change in one
 * transaction with its audit event.
 */
#include "flow.h"

#include <stdio.h>
#include <string.h>

#include "base_clock.h"
#include "db.h"
#include "password.h"
#include "base_codec.h"
#include "base_secret.h"

/* The forgot step of a looked-up address, inside the transaction. */
static enum auth_err
forgot_send(const struct auth_ctx *ctx, const struct auth_client *cl,
    const struct auth_email_token *t, const struct auth_user *u, bool exists)
{
	enum auth_err e;

	if (exists && !u->disabled) {
		/* Mail goes to the stored address, not the typed one. */
		if ((e = auth_flow_email_token_send(ctx, t, u)) != AUTH_OK)
			return e;
		auth_flow_audit_event(AUTH_AUDIT_PASSWORD_RESET_REQUESTED,
		    u->id, cl, NULL);
		return AUTH_OK;
	}
	auth_flow_email_token_burn(ctx, t);
	auth_flow_audit_event(AUTH_AUDIT_PASSWORD_RESET_REQUESTED,
	    exists ? u->id : NULL, cl, exists ?
	    "{\"sent\":false,\"reason\":\"disabled\"}" :
	    "{\"sent\":false,\"reason\":\"unknown\"}");
	return AUTH_OK;
}

enum auth_err
auth_flow_password_forgot(const struct auth_ctx *ctx,
    const struct auth_client *cl, const char *email_in, size_t email_len)
{
	int64_t t0 = auth_clock_mono_us();
	char email[AUTH_EMAIL_MAX + 1];
	struct auth_email_token t;
	struct auth_user u;
	bool exists;
	enum auth_err e;

	memset(&t, 0, sizeof(t));
	memset(&u, 0, sizeof(u));
	if (auth_email_copy(email_in, email_len, email) != 0)
		return AUTH_OK;
	e = auth_store_user_by_email(email, &u);
	if (e != AUTH_OK && e != AUTH_ERR_NOT_FOUND)
		goto out;
	exists = e == AUTH_OK;
	/* Token, hash and sealed payload are made whoever asked. */
	if (auth_flow_email_token_make(ctx, AUTH_EMAIL_TOKEN_RESET, &t) !=
	    AUTH_OK) {
		e = AUTH_ERR_INTERNAL;
		goto out;
	}
	if ((e = auth_db_begin()) == AUTH_OK)
		e = auth_flow_tx_end(forgot_send(ctx, cl, &t, &u, exists));
out:
	auth_flow_email_token_clear(&t);
	auth_wipe(&u, sizeof(u));
	/* The inserts, NOTIFY and commit of an account hide under it. */
	auth_flow_pad(t0, AUTH_FLOW_FLOOR_US);
	return e;
}

/*
 * The reset by the token hashed as th: the account looked up, the new
 * password checked and hashed, then the change in one statement, which
 * uses the token only if it is still usable; email gets the account's
 * address. A weak password changes nothing: the token stays usable.
 */
static enum auth_err
reset_run(const struct auth_ctx *ctx, const struct auth_client *cl,
    const unsigned char *th, const char *pw, size_t pw_len,
    const char **weak, char email[AUTH_EMAIL_MAX + 1])
{
	const struct auth_store_reset_names names = {
		.reason = auth_revoke_names[AUTH_REVOKE_PASSWORD_RESET],
		.event = auth_audit_names[AUTH_AUDIT_PASSWORD_RESET],
		.verified_event = auth_audit_names[AUTH_AUDIT_EMAIL_VERIFIED],
	};
	char hash[AUTH_PW_HASH_MAX];
	struct auth_user u;
	long n = 0;
	enum auth_err e;

	memset(hash, 0, sizeof(hash));
	e = auth_store_user_by_email_token(th,
	    auth_email_token_names[AUTH_EMAIL_TOKEN_RESET], &u);
	if (e == AUTH_ERR_NOT_FOUND || (e == AUTH_OK && u.disabled))
		e = AUTH_ERR_INVALID_TOKEN;
	if (e != AUTH_OK)
		goto out;
	if ((e = auth_pw_new(pw, pw_len, u.email, ctx->cfg, hash,
	    weak)) != AUTH_OK)
		goto out;
	e = auth_store_user_reset(th,
	    auth_email_token_names[AUTH_EMAIL_TOKEN_RESET], u.id, hash, &names,
	    cl, &n);
	if (e == AUTH_ERR_NOT_FOUND)
		e = AUTH_ERR_INVALID_TOKEN;
	if (e == AUTH_OK) {
		auth_flow_count_revoked(n);
		memcpy(email, u.email, sizeof(u.email));
	}
out:
	auth_wipe(hash, sizeof(hash));
	auth_wipe(&u, sizeof(u));
	return e;
}

enum auth_err
auth_flow_password_reset(const struct auth_ctx *ctx,
    const struct auth_client *cl, const char *token, size_t len,
    const char *pw, size_t pw_len, const char **weak)
{
	unsigned char th[AUTH_HASH_LEN];
	char email[AUTH_EMAIL_MAX + 1] = "";
	enum auth_err e;

	*weak = NULL;
	if (!auth_token_wellformed(token, len))
		return AUTH_ERR_INVALID_TOKEN;
	auth_sha256(token, len, th);
	e = reset_run(ctx, cl, th, pw, pw_len, weak, email);
	/* The owner's reset ends the failures and delay others caused. */
	if (e == AUTH_OK)
		auth_rl_login_succeeded(email, strlen(email), NULL);
	auth_wipe(th, sizeof(th));
	return e;
}

enum auth_err
auth_flow_password_check(const struct auth_ctx *ctx,
    const struct auth_client *cl, const struct auth_user *u,
    const char *cur, size_t cur_len, const char *by)
{
	char detail[96];
	bool rehash, known;
	enum auth_err e;
	int ok;

	/* Guesses of the current password count as failed logins. */
	if ((e = auth_flow_login_gate(ctx, cl, u->email, NULL, &known)) !=
	    AUTH_OK)
		return e;
	ok = auth_pw_verify(cur, cur_len, u->password_hash,
	    ctx->cfg->password_cost, &rehash);
	if (ok < 0)
		return AUTH_ERR_INTERNAL;
	if (ok == 0) {
		snprintf(detail, sizeof(detail),
		    "{\"reason\":\"password\",\"by\":\"%s\"}", by);
		auth_flow_login_failed(cl, u, detail);
		return AUTH_ERR_INVALID_CREDENTIALS;
	}
	return AUTH_OK;
}

/* Sets hash for the caller u and revokes its sessions but keep_sid, inside
 * the transaction. */
static enum auth_err
change_tx(const struct auth_client *cl, const struct auth_user *u,
    const char *hash, const char *keep_sid)
{
	long n = 0;
	enum auth_err e;

	if ((e = auth_store_user_set_password(u->id, hash)) != AUTH_OK ||
	    (e = auth_store_sessions_revoke_user(u->id, keep_sid,
	    auth_revoke_names[AUTH_REVOKE_PASSWORD_CHANGED], &n)) != AUTH_OK)
		return e;
	auth_flow_audit_revoked(AUTH_AUDIT_PASSWORD_CHANGED, u->id, cl, n);
	return AUTH_OK;
}

enum auth_err
auth_flow_password_change(const struct auth_ctx *ctx,
    const struct auth_client *cl, const char *cur, size_t cur_len,
    const char *pw, size_t pw_len, const char **weak)
{
	char hash[AUTH_PW_HASH_MAX];
	struct auth_user u;
	enum auth_err e;

	*weak = NULL;
	memset(&u, 0, sizeof(u));
	memset(hash, 0, sizeof(hash));
	if ((e = auth_flow_bearer_user(ctx, &u)) != AUTH_OK)
		goto out;
	if ((e = auth_flow_password_check(ctx, cl, &u, cur, cur_len,
	    "password_change")) != AUTH_OK)
		goto out;
	if ((e = auth_pw_new(pw, pw_len, u.email, ctx->cfg, hash,
	    weak)) != AUTH_OK)
		goto out;
	if ((e = auth_db_begin()) == AUTH_OK)
		e = auth_flow_tx_end(change_tx(cl, &u, hash,
		    ctx->bearer.sid));
out:
	auth_wipe(hash, sizeof(hash));
	auth_wipe(&u, sizeof(u));
	return e;
}
