/*
 * The one "issue an email token and queue its mail" step: a one-time
 * token whose SHA-256 is stored, and a mail whose payload (the link with
 * the token) is sealed with the outbox key, so neither table holds a
 * usable token.
 */
#include "flow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base_codec.h"
#include "base_secret.h"
#include "log.h"
#include "store_email_token.h"
#include "store_outbox.h"

const char *const auth_email_token_names[AUTH_EMAIL_TOKEN__MAX] = {
	[AUTH_EMAIL_TOKEN_VERIFY] = "verify",
	[AUTH_EMAIL_TOKEN_RESET] = "reset",
};

const char *const auth_mail_template_names[AUTH_MAIL_TEMPLATE__MAX] = {
	[AUTH_MAIL_VERIFY_EMAIL] = "verify_email",
	[AUTH_MAIL_ACCOUNT_EXISTS] = "account_exists",
	[AUTH_MAIL_PASSWORD_RESET] = "password_reset",
};

/* What each purpose mails and where its link points. */
static const struct {
	enum auth_mail_kind	 template;
	const char		*page;
} purposes[AUTH_EMAIL_TOKEN__MAX] = {
	[AUTH_EMAIL_TOKEN_VERIFY] =
	    { AUTH_MAIL_VERIFY_EMAIL, "/verify-email" },
	[AUTH_EMAIL_TOKEN_RESET] =
	    { AUTH_MAIL_PASSWORD_RESET, "/reset-password" },
};

static long
purpose_ttl(const struct auth_ctx *ctx, enum auth_email_token_purpose p)
{
	return p == AUTH_EMAIL_TOKEN_RESET ? ctx->cfg->reset_ttl :
	    ctx->cfg->verify_ttl;
}

/*
 * Writes {"link":"<public_url><page>[?token=<token>]"} into buf. The URL is
 * printable ASCII without quotes or backslashes (checked here), the token
 * base64url, so no escaping is needed. Returns the length, or -1.
 */
static int
link_payload(const struct auth_ctx *ctx, const char *page, const char *token,
    char *buf, size_t bufsz)
{
	const char *p;
	int n;

	for (p = ctx->cfg->public_url; *p != '\0'; p++)
		if (*p <= ' ' || *p > '~' || *p == '"' || *p == '\\')
			return -1;
	n = snprintf(buf, bufsz, "{\"link\":\"%s%s%s%s\"}",
	    ctx->cfg->public_url, page, token ? "?token=" : "",
	    token ? token : "");
	if (n < 0 || (size_t)n >= bufsz)
		return -1;
	return n;
}

/* Seals payload under aad = recipient "\n" template; *sealed is malloc'd. */
static enum auth_err
mail_seal(const struct auth_ctx *ctx, const char *recipient,
    enum auth_mail_kind template, const char *payload, size_t len,
    unsigned char **sealed, size_t *sealed_len)
{
	char aad[AUTH_EMAIL_MAX + 64];
	int n;

	*sealed = NULL;
	if (ctx->seal_key == NULL)
		return AUTH_ERR_INTERNAL;
	n = snprintf(aad, sizeof(aad), "%s\n%s", recipient,
	    auth_mail_template_names[template]);
	if (n < 0 || (size_t)n >= sizeof(aad))
		return AUTH_ERR_INTERNAL;
	if (auth_seal(ctx->seal_key, aad, (size_t)n, payload, len, sealed,
	    sealed_len) != 0)
		return AUTH_ERR_INTERNAL;
	return AUTH_OK;
}

/* Queues a mail of template to recipient with payload (JSON text). */
static enum auth_err
mail_queue(const struct auth_ctx *ctx, const char *recipient,
    enum auth_mail_kind template, const char *payload, size_t len)
{
	unsigned char *sealed = NULL;
	size_t sealed_len = 0;
	enum auth_err e;

	if ((e = mail_seal(ctx, recipient, template, payload, len, &sealed,
	    &sealed_len)) == AUTH_OK)
		e = auth_store_outbox_insert(recipient,
		    auth_mail_template_names[template], sealed, sealed_len);
	free(sealed);
	return e;
}

/*
 * Counts one mail of template to recipient against mail_recipient; false
 * when over it: the caller then queues nothing and answers as if it had.
 */
static bool
mail_allowed(enum auth_mail_kind template, const char *recipient)
{
	struct auth_rl_verdict v;

	auth_rl_check(AUTH_RL_RULE(AUTH_RL_MAIL_RECIPIENT), recipient,
	    strlen(recipient), &v);
	if (!v.allowed)
		auth_log_info(NULL, "mail: %s not queued: its recipient is "
		    "over mail_recipient", auth_mail_template_names[template]);
	return v.allowed;
}

enum auth_err
auth_flow_mail_link(const struct auth_ctx *ctx, const char *recipient,
    enum auth_mail_kind template, const char *page)
{
	char payload[AUTH_MAIL_PAYLOAD_MAX];
	enum auth_err e;
	int n;

	if ((n = link_payload(ctx, page, NULL, payload, sizeof(payload))) < 0)
		return AUTH_ERR_INTERNAL;
	if (!mail_allowed(template, recipient))
		return AUTH_OK;
	e = mail_queue(ctx, recipient, template, payload, (size_t)n);
	auth_wipe(payload, sizeof(payload));
	return e;
}

enum auth_err
auth_flow_email_token_make(const struct auth_ctx *ctx,
    enum auth_email_token_purpose purpose, struct auth_email_token *t)
{
	int n;

	memset(t, 0, sizeof(*t));
	t->purpose = purpose;
	if (auth_token_new(t->token) != 0)
		return AUTH_ERR_INTERNAL;
	auth_sha256(t->token, AUTH_TOKEN_LEN, t->hash);
	if ((n = link_payload(ctx, purposes[purpose].page, t->token,
	    t->payload, sizeof(t->payload))) < 0)
		return AUTH_ERR_INTERNAL;
	t->len = (size_t)n;
	return AUTH_OK;
}

enum auth_err
auth_flow_email_token_send(const struct auth_ctx *ctx,
    const struct auth_email_token *t, const struct auth_user *u)
{
	enum auth_err e;

	/* Capped: no token either, so the last mailed link stays good. */
	if (!mail_allowed(purposes[t->purpose].template, u->email))
		return AUTH_OK;
	if ((e = auth_store_email_token_insert(u->id, t->hash,
	    auth_email_token_names[t->purpose],
	    purpose_ttl(ctx, t->purpose))) != AUTH_OK)
		return e;
	return mail_queue(ctx, u->email, purposes[t->purpose].template,
	    t->payload, t->len);
}

void
auth_flow_email_token_burn(const struct auth_ctx *ctx,
    const struct auth_email_token *t)
{
	unsigned char *sealed = NULL;
	size_t sealed_len = 0;

	if (mail_seal(ctx, "", purposes[t->purpose].template, t->payload,
	    t->len, &sealed, &sealed_len) == AUTH_OK)
		auth_wipe(sealed, sealed_len);
	free(sealed);
}

void
auth_flow_email_token_clear(struct auth_email_token *t)
{
	auth_wipe(t, sizeof(*t));
}

enum auth_err
auth_flow_email_token(const struct auth_ctx *ctx,
    enum auth_email_token_purpose purpose, const struct auth_user *u)
{
	struct auth_email_token t;
	enum auth_err e;

	if ((e = auth_flow_email_token_make(ctx, purpose, &t)) == AUTH_OK)
		e = auth_flow_email_token_send(ctx, &t, u);
	auth_flow_email_token_clear(&t);
	return e;
}
