/*
 * The account lifecycle after signup: password forgot/reset/change,
 * logout everywhere, revoking one session, and the operator's disable and
 * set-password; each change in one transaction with its audit event.
 */
#include "flows.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "password.h"
#include "seal.h"
#include "base_codec.h"
#include "base_secret.h"

#define TEMPLATE_RESET		"password_reset"
#define RESET_PAGE		"/reset-password"

void
auth_flow_audit(const char *user_id, const char *event,
    const struct auth_client *cl, const char *detail)
{
	if (auth_store_audit(user_id, event, cl, detail) != AUTH_OK)
		auth_log_error(cl ? cl->request_id : NULL,
		    "audit event %s not written", event);
}

/* Audits event with {"sessions_revoked": n}. */
static void
audit_revoked(const char *user_id, const char *event,
    const struct auth_client *cl, long n)
{
	char detail[64];

	snprintf(detail, sizeof(detail), "{\"sessions_revoked\":%ld}", n);
	auth_flow_audit(user_id, event, cl, detail);
}

/*
 * The work of queueing a mail without a recipient: seal the payload and
 * drop it, so unknown addresses cost about what known ones do.
 */
static void
seal_burn(const struct auth_ctx *ctx, const char *payload, size_t len)
{
	unsigned char *sealed = NULL;
	size_t sealed_len = 0;

	if (ctx->seal_key == NULL)
		return;
	if (auth_seal(ctx->seal_key, "\n" TEMPLATE_RESET,
	    sizeof("\n" TEMPLATE_RESET) - 1, payload, len, &sealed,
	    &sealed_len) == 0)
		auth_wipe(sealed, sealed_len);
	free(sealed);
}

enum auth_err
auth_flow_password_forgot(const struct auth_ctx *ctx,
    const struct auth_client *cl, const char *email_in, size_t email_len)
{
	char email[AUTH_EMAIL_MAX + 1];
	char token[AUTH_TOKEN_LEN + 1];
	char payload[sizeof(ctx->cfg->public_url) + 128];
	unsigned char th[AUTH_HASH_LEN];
	struct auth_user u;
	bool exists, known, in_tx = false;
	int plen;
	enum auth_err e;

	memset(token, 0, sizeof(token));
	memset(payload, 0, sizeof(payload));
	memset(th, 0, sizeof(th));
	if (auth_email_copy(email_in, email_len, email) != 0)
		return AUTH_OK;
	e = auth_store_user_by_email(email, &u);
	if (e != AUTH_OK && e != AUTH_ERR_NOT_FOUND)
		goto out;
	exists = e == AUTH_OK;
	known = exists && !u.disabled;
	/* Token, hash and sealed payload are made whoever asked. */
	if (auth_token_new(token) != 0) {
		e = AUTH_ERR_INTERNAL;
		goto out;
	}
	auth_sha256(token, AUTH_TOKEN_LEN, th);
	if ((plen = auth_flow_link_payload(ctx, RESET_PAGE, token, payload,
	    sizeof(payload))) < 0) {
		e = AUTH_ERR_INTERNAL;
		goto out;
	}
	if ((e = auth_db_begin()) != AUTH_OK)
		goto out;
	in_tx = true;
	if (known) {
		if ((e = auth_store_email_token_insert(u.id, th, "reset",
		    ctx->cfg->reset_ttl)) != AUTH_OK)
			goto out;
		/* Mail goes to the stored address, not the typed one. */
		if ((e = auth_flow_queue_mail(ctx, u.email, TEMPLATE_RESET,
		    payload, (size_t)plen)) != AUTH_OK)
			goto out;
		auth_flow_audit(u.id, "password_reset_requested", cl, NULL);
	} else {
		seal_burn(ctx, payload, (size_t)plen);
		auth_flow_audit(exists ? u.id : NULL,
		    "password_reset_requested", cl, exists ?
		    "{\"sent\":false,\"reason\":\"disabled\"}" :
		    "{\"sent\":false,\"reason\":\"unknown\"}");
	}
	e = auth_db_commit();
	in_tx = false;
out:
	if (in_tx)
		auth_db_rollback();
	auth_wipe(token, sizeof(token));
	auth_wipe(payload, sizeof(payload));
	auth_wipe(th, sizeof(th));
	auth_wipe(&u, sizeof(u));
	return e;
}

enum auth_err
auth_flow_password_reset(const struct auth_ctx *ctx,
    const struct auth_client *cl, const char *token, size_t len,
    const char *pw, size_t pw_len, const char **weak)
{
	unsigned char th[AUTH_HASH_LEN];
	char user_id[AUTH_UUID_LEN + 1];
	char hash[AUTH_PW_HASH_MAX];
	struct auth_user u;
	bool in_tx = false;
	long n = 0;
	enum auth_err e;

	*weak = NULL;
	memset(&u, 0, sizeof(u));
	memset(hash, 0, sizeof(hash));
	if (!auth_token_wellformed(token, len))
		return AUTH_ERR_INVALID_TOKEN;
	auth_sha256(token, len, th);
	if ((e = auth_db_begin()) != AUTH_OK)
		goto out;
	in_tx = true;
	/* The row stays locked: a concurrent use of the token waits here. */
	e = auth_store_email_token_consume(th, "reset", user_id);
	if (e == AUTH_OK)
		e = auth_store_user_by_id(user_id, &u);
	if (e == AUTH_ERR_NOT_FOUND || (e == AUTH_OK && u.disabled))
		e = AUTH_ERR_INVALID_TOKEN;
	if (e != AUTH_OK)
		goto out;
	/* A weak password rolls back: the token stays usable. */
	if ((e = auth_pw_new(pw, pw_len, u.email, ctx->cfg->cracklib_dict,
	    ctx->cfg->password_cost, hash, weak)) != AUTH_OK)
		goto out;
	if ((e = auth_store_user_set_password(u.id, hash)) != AUTH_OK ||
	    (e = auth_store_user_mark_verified(u.id)) != AUTH_OK ||
	    (e = auth_store_sessions_revoke_user(u.id, NULL, "password_reset",
	    &n)) != AUTH_OK)
		goto out;
	if (!u.email_verified)
		auth_flow_audit(u.id, "email_verified", cl,
		    "{\"by\":\"password_reset\"}");
	audit_revoked(u.id, "password_reset", cl, n);
	e = auth_db_commit();
	in_tx = false;
out:
	if (in_tx)
		auth_db_rollback();
	auth_wipe(th, sizeof(th));
	auth_wipe(hash, sizeof(hash));
	auth_wipe(&u, sizeof(u));
	return e;
}

enum auth_err
auth_flow_bearer_user(const struct auth_ctx *ctx, struct auth_user *out)
{
	struct auth_user u;
	enum auth_err e;

	e = auth_store_user_by_id(ctx->bearer.sub, &u);
	if (e == AUTH_OK && u.disabled)
		e = AUTH_ERR_UNAUTHORIZED;
	/* An access token outlives its session by at most access_ttl. */
	if (e == AUTH_OK)
		e = auth_store_session_live(ctx->bearer.sid, u.id);
	if (e == AUTH_ERR_NOT_FOUND)
		e = AUTH_ERR_UNAUTHORIZED;
	if (e == AUTH_OK && out != NULL)
		*out = u;
	auth_wipe(&u, sizeof(u));
	return e;
}

enum auth_err
auth_flow_password_change(const struct auth_ctx *ctx,
    const struct auth_client *cl, const char *cur, size_t cur_len,
    const char *pw, size_t pw_len, const char **weak)
{
	char hash[AUTH_PW_HASH_MAX];
	struct auth_user u;
	bool rehash, in_tx = false, known;
	long n = 0;
	int ok;
	enum auth_err e;

	*weak = NULL;
	memset(&u, 0, sizeof(u));
	memset(hash, 0, sizeof(hash));
	if ((e = auth_flow_bearer_user(ctx, &u)) != AUTH_OK)
		goto out;
	/* Guesses of the current password count as failed logins. */
	if ((e = auth_flow_login_gate(ctx, cl, u.email, &known)) != AUTH_OK)
		goto out;
	ok = auth_pw_verify(cur, cur_len, u.password_hash,
	    ctx->cfg->password_cost, &rehash);
	if (ok < 0) {
		e = AUTH_ERR_INTERNAL;
		goto out;
	}
	if (ok == 0) {
		auth_flow_audit(u.id, "login_failed", cl,
		    "{\"reason\":\"password\",\"by\":\"password_change\"}");
		if (auth_rl_login_failed(u.email, strlen(u.email), cl->ip))
			auth_flow_audit(u.id, "login_lockout", cl, NULL);
		e = AUTH_ERR_INVALID_CREDENTIALS;
		goto out;
	}
	if ((e = auth_pw_new(pw, pw_len, u.email, ctx->cfg->cracklib_dict,
	    ctx->cfg->password_cost, hash, weak)) != AUTH_OK)
		goto out;
	if ((e = auth_db_begin()) != AUTH_OK)
		goto out;
	in_tx = true;
	if ((e = auth_store_user_set_password(u.id, hash)) != AUTH_OK ||
	    (e = auth_store_sessions_revoke_user(u.id, ctx->bearer.sid,
	    "password_changed", &n)) != AUTH_OK)
		goto out;
	audit_revoked(u.id, "password_changed", cl, n);
	e = auth_db_commit();
	in_tx = false;
out:
	if (in_tx)
		auth_db_rollback();
	auth_wipe(hash, sizeof(hash));
	auth_wipe(&u, sizeof(u));
	return e;
}

enum auth_err
auth_flow_logout_all(const struct auth_ctx *ctx, const struct auth_client *cl)
{
	long n = 0;
	enum auth_err e;

	if ((e = auth_flow_bearer_user(ctx, NULL)) != AUTH_OK)
		return e;
	if ((e = auth_store_sessions_revoke_user(ctx->bearer.sub, NULL,
	    "logout_all", &n)) != AUTH_OK)
		return e;
	audit_revoked(ctx->bearer.sub, "logout_all", cl, n);
	return AUTH_OK;
}

enum auth_err
auth_flow_session_revoke(const struct auth_ctx *ctx,
    const struct auth_client *cl, const char *session_id)
{
	char detail[96];
	enum auth_err e;

	if ((e = auth_flow_bearer_user(ctx, NULL)) != AUTH_OK)
		return e;
	if (!auth_uuid_valid(session_id, strlen(session_id)))
		return AUTH_ERR_NOT_FOUND;
	if ((e = auth_store_session_revoke_owned(session_id, ctx->bearer.sub,
	    "session_revoked")) != AUTH_OK)
		return e;
	snprintf(detail, sizeof(detail), "{\"session_id\":\"%s\"}",
	    session_id);
	auth_flow_audit(ctx->bearer.sub, "session_revoked", cl, detail);
	return AUTH_OK;
}

enum auth_err
auth_flow_user_set_disabled(const struct auth_client *cl,
    const char *user_id, bool disabled)
{
	long n = 0;
	enum auth_err e;

	if ((e = auth_db_begin()) != AUTH_OK)
		return e;
	if ((e = auth_store_user_set_disabled(user_id, disabled)) != AUTH_OK)
		goto out;
	if (disabled) {
		if ((e = auth_store_sessions_revoke_user(user_id, NULL,
		    "account_disabled", &n)) != AUTH_OK)
			goto out;
		audit_revoked(user_id, "account_disabled", cl, n);
	} else
		auth_flow_audit(user_id, "account_enabled", cl, NULL);
	return auth_db_commit();
out:
	auth_db_rollback();
	return e;
}

enum auth_err
auth_flow_user_set_password(const struct auth_client *cl,
    const char *user_id, const char *pw_hash)
{
	long n = 0;
	enum auth_err e;

	if ((e = auth_db_begin()) != AUTH_OK)
		return e;
	if ((e = auth_store_user_set_password(user_id, pw_hash)) != AUTH_OK ||
	    (e = auth_store_sessions_revoke_user(user_id, NULL,
	    "password_set_by_operator", &n)) != AUTH_OK)
		goto out;
	audit_revoked(user_id, "password_changed", cl, n);
	return auth_db_commit();
out:
	auth_db_rollback();
	return e;
}
