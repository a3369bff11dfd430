/*
 * Signup, email verification and the verification email resend: the rules
 * of API.md, each change in one transaction with its audit event.
 */
#include "flow.h"

#include <string.h>

#include "base_clock.h"
#include "db.h"
#include "password.h"
#include "store_email_token.h"
#include "base_codec.h"
#include "base_secret.h"

/* A new account u: its verification token and mail. */
static enum auth_err
signup_new(const struct auth_ctx *ctx, const struct auth_client *cl,
    const struct auth_user *u)
{
	enum auth_err e;

	if ((e = auth_flow_email_token(ctx, AUTH_EMAIL_TOKEN_VERIFY, u)) !=
	    AUTH_OK)
		return e;
	auth_flow_audit_event(AUTH_AUDIT_SIGNUP, u->id, cl, NULL);
	return AUTH_OK;
}

/* An address that has an account: a notice to its owner, or 409. */
static enum auth_err
signup_existing(const struct auth_ctx *ctx, const struct auth_client *cl,
    const char *email)
{
	struct auth_user existing;
	enum auth_err e;

	if (ctx->cfg->signup_existing == AUTH_SIGNUP_REVEAL)
		return AUTH_ERR_EMAIL_TAKEN;
	memset(&existing, 0, sizeof(existing));
	/* Mail goes to the stored address, not the typed one. */
	if ((e = auth_store_user_by_email(email, &existing)) != AUTH_OK)
		goto out;
	if ((e = auth_flow_mail_link(ctx, existing.email,
	    AUTH_MAIL_ACCOUNT_EXISTS, "/")) != AUTH_OK)
		goto out;
	auth_flow_audit_event(AUTH_AUDIT_SIGNUP_EXISTING_EMAIL, existing.id,
	    cl, NULL);
out:
	auth_wipe(&existing, sizeof(existing));
	return e;
}

/* The account of a signup and its mail, inside the transaction. */
static enum auth_err
signup_tx(const struct auth_ctx *ctx, const struct auth_client *cl,
    const char *email, const char *hash, struct auth_user *u, bool *created)
{
	enum auth_err e;

	if ((e = auth_store_user_insert(email, hash, u, created)) != AUTH_OK)
		return e;
	return *created ? signup_new(ctx, cl, u) :
	    signup_existing(ctx, cl, email);
}

enum auth_err
auth_flow_signup(const struct auth_ctx *ctx, const struct auth_client *cl,
    const char *email_in, size_t email_len, const char *pw, size_t pw_len,
    struct auth_user *u, bool *created, const char **weak)
{
	char email[AUTH_EMAIL_MAX + 1];
	char hash[AUTH_PW_HASH_MAX];
	enum auth_err e;

	*created = false;
	*weak = NULL;
	memset(hash, 0, sizeof(hash));
	if (auth_email_copy(email_in, email_len, email) != 0) {
		e = AUTH_ERR_VALIDATION;
		goto out;
	}
	/* Hash before looking: new and existing addresses cost the same. */
	if ((e = auth_pw_new(pw, pw_len, email, ctx->cfg, hash,
	    weak)) != AUTH_OK)
		goto out;
	if ((e = auth_db_begin()) == AUTH_OK)
		e = auth_flow_tx_end(signup_tx(ctx, cl, email, hash, u,
		    created));
out:
	/* The caller gets the account, not its password hash. */
	auth_wipe(u->password_hash, sizeof(u->password_hash));
	auth_wipe(hash, sizeof(hash));
	return e;
}

enum auth_err
auth_flow_verify_email(const struct auth_ctx *ctx,
    const struct auth_client *cl, const char *token, size_t len)
{
	unsigned char th[AUTH_HASH_LEN];
	char user_id[AUTH_UUID_LEN + 1];
	enum auth_err e;

	(void)ctx;
	if (!auth_token_wellformed(token, len))
		return AUTH_ERR_INVALID_TOKEN;
	auth_sha256(token, len, th);
	/* The token used, the account verified and the audit row: one
	 * statement. */
	e = auth_store_email_token_verify(th,
	    auth_email_token_names[AUTH_EMAIL_TOKEN_VERIFY],
	    auth_audit_names[AUTH_AUDIT_EMAIL_VERIFIED], cl, user_id);
	auth_wipe(th, sizeof(th));
	if (e == AUTH_ERR_NOT_FOUND)
		e = AUTH_ERR_INVALID_TOKEN;
	return e;
}

/* The resend for a trimmed address inside the transaction; AUTH_OK when
 * nothing is due. */
static enum auth_err
resend_tx(const struct auth_ctx *ctx, const struct auth_client *cl,
    const char *email)
{
	struct auth_user u;
	enum auth_err e;

	memset(&u, 0, sizeof(u));
	e = auth_store_user_by_email(email, &u);
	if (e == AUTH_ERR_NOT_FOUND || (e == AUTH_OK &&
	    (u.email_verified || u.disabled))) {
		e = AUTH_OK;
		goto out;
	}
	if (e != AUTH_OK)
		goto out;
	/* The insert voids every older verification token of the account. */
	if ((e = auth_flow_email_token(ctx, AUTH_EMAIL_TOKEN_VERIFY, &u)) !=
	    AUTH_OK)
		goto out;
	auth_flow_audit_event(AUTH_AUDIT_VERIFY_EMAIL_RESENT, u.id, cl, NULL);
out:
	auth_wipe(&u, sizeof(u));
	return e;
}

enum auth_err
auth_flow_verify_resend(const struct auth_ctx *ctx,
    const struct auth_client *cl, const char *email_in, size_t email_len)
{
	int64_t		t0 = auth_clock_mono_us();
	char		email[AUTH_EMAIL_MAX + 1];
	enum auth_err	e;

	if (auth_email_copy(email_in, email_len, email) != 0)
		return AUTH_ERR_VALIDATION;
	/* The inserts and commit of an eligible account hide under it. */
	if ((e = auth_db_begin()) == AUTH_OK)
		e = auth_flow_tx_end(resend_tx(ctx, cl, email));
	auth_flow_pad(t0, AUTH_FLOW_FLOOR_US);
	return e;
}
