/*
 * Signup, email verification, login, refresh rotation and logout: the rules
 * of API.md, each change in one transaction.
 */
#include "flows.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "password.h"
#include "base_codec.h"
#include "base_secret.h"

#define TEMPLATE_VERIFY		"verify_email"
#define TEMPLATE_EXISTS		"account_exists"

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

void
auth_email_trim(const char **s, size_t *len)
{
	while (*len > 0 && ((*s)[0] == ' ' || (*s)[0] == '\t' ||
	    (*s)[0] == '\r' || (*s)[0] == '\n')) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t' ||
	    (*s)[*len - 1] == '\r' || (*s)[*len - 1] == '\n'))
		(*len)--;
}

int
auth_email_copy(const char *s, size_t len, char out[AUTH_EMAIL_MAX + 1])
{
	auth_email_trim(&s, &len);
	if (len == 0 || len > AUTH_EMAIL_MAX || memchr(s, '\0', len) != NULL)
		return -1;
	memcpy(out, s, len);
	out[len] = '\0';
	return 0;
}

/*
 * Queues an email for recipient: the payload (JSON text carrying a one-time
 * link) is sealed with the outbox key, so the table holds no usable token.
 */
enum auth_err
auth_flow_queue_mail(const struct auth_ctx *ctx, const char *recipient,
    const char *template, const char *payload, size_t len)
{
	unsigned char *sealed = NULL;
	size_t sealed_len = 0;
	char aad[AUTH_EMAIL_MAX + 64];
	enum auth_err e = AUTH_ERR_INTERNAL;
	int n;

	if (ctx->seal_key == NULL)
		goto out;
	n = snprintf(aad, sizeof(aad), "%s\n%s", recipient, template);
	if (n < 0 || (size_t)n >= sizeof(aad))
		goto out;
	if (auth_seal(ctx->seal_key, aad, (size_t)n, payload, len, &sealed,
	    &sealed_len) != 0)
		goto out;
	e = auth_store_outbox_insert(recipient, template, sealed, sealed_len);
out:
	free(sealed);
	return e;
}

/*
 * Writes {"link":"<public_url><path>[?token=<token>]"} into buf. The URL is
 * printable ASCII without quotes or backslashes (checked here), the token
 * base64url, so no escaping is needed. Returns the length, or -1.
 */
int
auth_flow_link_payload(const struct auth_ctx *ctx, const char *path,
    const char *token, char *buf, size_t bufsz)
{
	const char *p;
	int n;

	for (p = ctx->cfg->public_url; *p != '\0'; p++)
		if (*p <= ' ' || *p > '~' || *p == '"' || *p == '\\')
			return -1;
	n = snprintf(buf, bufsz, "{\"link\":\"%s%s%s%s\"}",
	    ctx->cfg->public_url, path, token ? "?token=" : "",
	    token ? token : "");
	if (n < 0 || (size_t)n >= bufsz)
		return -1;
	return n;
}

enum auth_err
auth_flow_signup(const struct auth_ctx *ctx, const struct auth_client *cl,
    const char *email_in, size_t email_len, const char *pw, size_t pw_len,
    struct auth_user *u, bool *created, const char **weak)
{
	char email[AUTH_EMAIL_MAX + 1];
	char hash[AUTH_PW_HASH_MAX];
	char token[AUTH_TOKEN_LEN + 1];
	unsigned char th[AUTH_HASH_LEN];
	struct auth_user existing;
	char payload[sizeof(ctx->cfg->public_url) + 128];
	bool in_tx = false;
	int plen;
	enum auth_err e;

	*created = false;
	*weak = NULL;
	memset(hash, 0, sizeof(hash));
	memset(token, 0, sizeof(token));
	memset(&existing, 0, sizeof(existing));
	if (auth_email_copy(email_in, email_len, email) != 0) {
		e = AUTH_ERR_VALIDATION;
		goto out;
	}
	/* Hash before looking: new and existing addresses cost the same. */
	if ((e = auth_pw_new(pw, pw_len, email, ctx->cfg->cracklib_dict,
	    ctx->cfg->password_cost, hash, weak)) != AUTH_OK)
		goto out;
	if ((e = auth_db_begin()) != AUTH_OK)
		goto out;
	in_tx = true;
	if ((e = auth_store_user_insert(email, hash, u, created)) != AUTH_OK)
		goto out;
	if (*created) {
		if (auth_token_new(token) != 0) {
			e = AUTH_ERR_INTERNAL;
			goto out;
		}
		auth_sha256(token, AUTH_TOKEN_LEN, th);
		if ((e = auth_store_email_token_insert(u->id, th, "verify",
		    ctx->cfg->verify_ttl)) != AUTH_OK)
			goto out;
		plen = auth_flow_link_payload(ctx, "/verify-email", token,
		    payload, sizeof(payload));
		if (plen < 0) {
			e = AUTH_ERR_INTERNAL;
			goto out;
		}
		if ((e = auth_flow_queue_mail(ctx, u->email, TEMPLATE_VERIFY,
		    payload, (size_t)plen)) != AUTH_OK)
			goto out;
		auth_flow_audit(u->id, "signup", cl, NULL);
	} else {
		if (ctx->cfg->signup_existing == AUTH_SIGNUP_REVEAL) {
			e = AUTH_ERR_EMAIL_TAKEN;
			goto out;
		}
		/* Mail goes to the stored address, not the typed one. */
		if ((e = auth_store_user_by_email(email, &existing)) != AUTH_OK)
			goto out;
		plen = auth_flow_link_payload(ctx, "/", NULL, payload,
		    sizeof(payload));
		if (plen < 0) {
			e = AUTH_ERR_INTERNAL;
			goto out;
		}
		if ((e = auth_flow_queue_mail(ctx, existing.email,
		    TEMPLATE_EXISTS, payload, (size_t)plen)) != AUTH_OK)
			goto out;
		auth_flow_audit(existing.id, "signup_existing_email", cl, NULL);
	}
	e = auth_db_commit();
	in_tx = false;
out:
	if (in_tx)
		auth_db_rollback();
	/* The caller gets the account, not its password hash. */
	auth_wipe(u->password_hash, sizeof(u->password_hash));
	auth_wipe(&existing, sizeof(existing));
	auth_wipe(payload, sizeof(payload));
	auth_wipe(hash, sizeof(hash));
	auth_wipe(token, sizeof(token));
	auth_wipe(th, sizeof(th));
	return e;
}

enum auth_err
auth_flow_verify_email(const struct auth_ctx *ctx,
    const struct auth_client *cl, const char *token, size_t len)
{
	unsigned char th[AUTH_HASH_LEN];
	char user_id[AUTH_UUID_LEN + 1];
	bool in_tx = false;
	enum auth_err e;

	(void)ctx;
	if (!auth_token_wellformed(token, len))
		return AUTH_ERR_INVALID_TOKEN;
	auth_sha256(token, len, th);
	if ((e = auth_db_begin()) != AUTH_OK)
		goto out;
	in_tx = true;
	e = auth_store_email_token_consume(th, "verify", user_id);
	if (e == AUTH_ERR_NOT_FOUND)
		e = AUTH_ERR_INVALID_TOKEN;
	if (e != AUTH_OK)
		goto out;
	if ((e = auth_store_user_mark_verified(user_id)) != AUTH_OK)
		goto out;
	auth_flow_audit(user_id, "email_verified", cl, NULL);
	e = auth_db_commit();
	in_tx = false;
out:
	if (in_tx)
		auth_db_rollback();
	auth_wipe(th, sizeof(th));
	return e;
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

enum auth_err
auth_flow_login_gate(const struct auth_ctx *ctx,
    const struct auth_client *cl, const char *email, bool *known)
{
	unsigned retry = 0;

	if (auth_rl_login_gate(email, strlen(email), cl->ip, &retry, known) ==
	    AUTH_OK)
		return AUTH_OK;
	if (ctx->rl != NULL) {
		memset(ctx->rl, 0, sizeof(*ctx->rl));
		ctx->rl->retry_after = retry;
	}
	return AUTH_ERR_RATE_LIMITED;
}

enum auth_err
auth_flow_login(const struct auth_ctx *ctx, const struct auth_client *cl,
    const char *email_in, size_t email_len, const char *pw, size_t pw_len,
    struct auth_tokens *out)
{
	char email[AUTH_EMAIL_MAX + 1];
	char sid[AUTH_UUID_LEN + 1];
	char hash[AUTH_PW_HASH_MAX];
	struct auth_user u;
	struct auth_rl_verdict v;
	bool rehash = false, in_tx = false, known = false;
	enum auth_err e;
	int ok;

	memset(out, 0, sizeof(*out));
	memset(&u, 0, sizeof(u));
	memset(hash, 0, sizeof(hash));
	if (auth_email_copy(email_in, email_len, email) != 0) {
		auth_pw_burn(pw, pw_len);
		return AUTH_ERR_INVALID_CREDENTIALS;
	}
	/*
	 * Existing or not, an address under attack waits before any hashing;
	 * the owner's own known-good address is exempt from account limits.
	 */
	if ((e = auth_flow_login_gate(ctx, cl, email, &known)) != AUTH_OK)
		return e;
	if (!known) {
		auth_rl_check(AUTH_RL_RULE(AUTH_RL_LOGIN_ACCOUNT), email,
		    strlen(email), &v);
		if (!v.allowed) {
			if (ctx->rl != NULL)
				*ctx->rl = v;
			return AUTH_ERR_RATE_LIMITED;
		}
	}
	e = auth_store_user_by_email(email, &u);
	if (e == AUTH_ERR_NOT_FOUND) {
		/* The same hashing work as a wrong password. */
		auth_pw_burn(pw, pw_len);
		auth_rl_login_failed(email, strlen(email), cl->ip);
		e = AUTH_ERR_INVALID_CREDENTIALS;
		goto out;
	}
	if (e != AUTH_OK)
		goto out;
	ok = auth_pw_verify(pw, pw_len, u.password_hash,
	    ctx->cfg->password_cost, &rehash);
	if (ok < 0) {
		e = AUTH_ERR_INTERNAL;
		goto out;
	}
	if (ok == 0) {
		auth_flow_audit(u.id, "login_failed", cl, "{\"reason\":\"password\"}");
		if (auth_rl_login_failed(email, strlen(email), cl->ip))
			auth_flow_audit(u.id, "login_lockout", cl, NULL);
		e = AUTH_ERR_INVALID_CREDENTIALS;
		goto out;
	}
	auth_rl_login_succeeded(email, strlen(email), cl->ip);
	/* Account state is told only to someone who knows the password. */
	if (u.disabled) {
		auth_flow_audit(u.id, "login_failed", cl, "{\"reason\":\"disabled\"}");
		e = AUTH_ERR_ACCOUNT_DISABLED;
		goto out;
	}
	if (!u.email_verified) {
		e = AUTH_ERR_EMAIL_NOT_VERIFIED;
		goto out;
	}
	if ((e = auth_db_begin()) != AUTH_OK)
		goto out;
	in_tx = true;
	if (rehash && auth_pw_hash(pw, pw_len, ctx->cfg->password_cost,
	    hash) == AUTH_OK &&
	    (e = auth_store_user_set_password(u.id, hash)) != AUTH_OK)
		goto out;
	if ((e = auth_store_session_create(u.id, cl,
	    ctx->cfg->session_max_lifetime, sid)) != AUTH_OK)
		goto out;
	if ((e = issue_refresh(ctx, sid, out)) != AUTH_OK)
		goto out;
	/* Signed first: a signing failure must not leave a live session. */
	if ((e = issue_access(ctx, &u, sid, out)) != AUTH_OK)
		goto out;
	auth_flow_audit(u.id, "login_succeeded", cl, NULL);
	e = auth_db_commit();
	in_tx = false;
out:
	if (in_tx)
		auth_db_rollback();
	if (e != AUTH_OK)
		auth_tokens_clear(out);
	auth_wipe(hash, sizeof(hash));
	auth_wipe(&u, sizeof(u));
	return e;
}

enum auth_err
auth_flow_refresh(const struct auth_ctx *ctx, const struct auth_client *cl,
    const char *token, size_t len, struct auth_tokens *out)
{
	unsigned char th[AUTH_HASH_LEN];
	struct auth_refresh_row row;
	struct auth_rl_verdict v;
	struct auth_user u;
	long leeway = ctx->cfg->refresh_reuse_leeway;
	bool in_tx = false, reuse = false;
	enum auth_err e;

	memset(out, 0, sizeof(*out));
	memset(&u, 0, sizeof(u));
	if (!auth_token_wellformed(token, len))
		return AUTH_ERR_INVALID_REFRESH_TOKEN;
	auth_sha256(token, len, th);
	if ((e = auth_db_begin()) != AUTH_OK)
		goto out;
	in_tx = true;
	/* The row lock serialises concurrent refreshes of one token. */
	e = auth_store_refresh_lock(th, &row);
	if (e == AUTH_ERR_NOT_FOUND)
		e = AUTH_ERR_INVALID_REFRESH_TOKEN;
	if (e != AUTH_OK)
		goto out;
	/* Revoked, expired, or the account disabled: the same 401. */
	if (!row.usable) {
		e = AUTH_ERR_INVALID_REFRESH_TOKEN;
		goto out;
	}
	auth_rl_check(AUTH_RL_RULE(AUTH_RL_REFRESH_SESSION), row.session_id,
	    strlen(row.session_id), &v);
	if (!v.allowed) {
		if (ctx->rl != NULL)
			*ctx->rl = v;
		e = AUTH_ERR_RATE_LIMITED;
		goto out;
	}
	if (row.rotated && !(leeway > 0 && row.rotated_age < leeway)) {
		/* A rotated token presented again: the family is burnt. */
		if ((e = auth_store_session_revoke(row.session_id,
		    "refresh_token_reuse")) != AUTH_OK)
			goto out;
		auth_flow_audit(row.user_id, "refresh_token_reuse", cl, NULL);
		reuse = true;
		e = auth_db_commit();
		in_tx = false;
		goto out;
	}
	/* Within the leeway a retry gets a fresh pair; nothing is revoked. */
	if (!row.rotated &&
	    (e = auth_store_refresh_mark_rotated(th)) != AUTH_OK)
		goto out;
	if ((e = issue_refresh(ctx, row.session_id, out)) != AUTH_OK)
		goto out;
	if ((e = auth_store_session_touch(row.session_id)) != AUTH_OK)
		goto out;
	if ((e = auth_store_user_by_id(row.user_id, &u)) != AUTH_OK)
		goto out;
	/* Signed first: a signing failure must not burn the old token. */
	if ((e = issue_access(ctx, &u, row.session_id, out)) != AUTH_OK)
		goto out;
	e = auth_db_commit();
	in_tx = false;
out:
	if (in_tx)
		auth_db_rollback();
	if (reuse && e == AUTH_OK)
		e = AUTH_ERR_INVALID_REFRESH_TOKEN;
	if (e != AUTH_OK)
		auth_tokens_clear(out);
	auth_wipe(th, sizeof(th));
	auth_wipe(&u, sizeof(u));
	return e;
}

enum auth_err
auth_flow_logout(const struct auth_ctx *ctx, const struct auth_client *cl,
    const char *token, size_t len)
{
	unsigned char th[AUTH_HASH_LEN];
	char sid[AUTH_UUID_LEN + 1], uid[AUTH_UUID_LEN + 1];
	enum auth_err e;

	(void)ctx;
	if (!auth_token_wellformed(token, len))
		return AUTH_OK;
	auth_sha256(token, len, th);
	e = auth_store_refresh_session(th, sid, uid);
	auth_wipe(th, sizeof(th));
	if (e == AUTH_ERR_NOT_FOUND)
		return AUTH_OK;
	if (e != AUTH_OK)
		return e;
	if ((e = auth_store_session_revoke(sid, "logout")) != AUTH_OK)
		return e;
	auth_flow_audit(uid, "logout", cl, NULL);
	return AUTH_OK;
}

/* ---- configuration ------------------------------------------------------ */

static const char *const signup_names[] = { "conceal", "reveal", NULL };

_Static_assert(sizeof(signup_names) / sizeof(signup_names[0]) ==
    AUTH_SIGNUP_EXISTING__MAX + 1, "signup_existing names match the enum");

/* An http(s) URL; drops one trailing '/'. */
static const char *
flow_check_public_url(char *s)
{
	const char	*why;
	size_t		 len;

	if ((why = auth_cfg_check_http_url(s)) != NULL)
		return why;
	len = strlen(s);
	if (s[len - 1] == '/')
		s[len - 1] = '\0';
	return NULL;
}

static const struct auth_cfg_key flow_keys[] = {
	AUTH_CFG_STR(public_url, flow_check_public_url, "http://127.0.0.1:8080"),
	AUTH_CFG_NUM(refresh_ttl, AUTH_CFG_T_LONG, 60, 31536000, "1209600"),
	AUTH_CFG_NUM(session_max_lifetime, AUTH_CFG_T_LONG, 60, 31536000,
	    "2592000"),
	AUTH_CFG_NUM(refresh_reuse_leeway, AUTH_CFG_T_LONG, 0, 300, "10"),
	AUTH_CFG_NUM(verify_ttl, AUTH_CFG_T_LONG, 60, 604800, "86400"),
	AUTH_CFG_NUM(reset_ttl, AUTH_CFG_T_LONG, 60, 604800, "3600"),
	AUTH_CFG_ENUM(signup_existing, signup_names, "conceal"),
};

const struct auth_cfg_module auth_flow_cfg = AUTH_CFG_MODULE(flow_keys, NULL);
