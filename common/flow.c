/*
 * What every flow shares besides the audit trail and the email-token
 * step: email address normalisation and the per-account login delay that
 * login and password change both enforce.
 */
#include "flow.h"

#include <string.h>

#include "db.h"

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void
auth_email_trim(const char **s, size_t *len)
{
	while (*len > 0 && is_space((*s)[0])) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && is_space((*s)[*len - 1]))
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

void
auth_flow_login_failed(const struct auth_client *cl,
    const struct auth_user *u, const char *detail)
{
	auth_flow_audit_event(AUTH_AUDIT_LOGIN_FAILED, u->id, cl, detail);
	if (auth_rl_login_failed(u->email, strlen(u->email), cl->ip))
		auth_flow_audit_event(AUTH_AUDIT_LOGIN_LOCKOUT, u->id, cl,
		    NULL);
}

enum auth_err
auth_flow_tx_end(enum auth_err e)
{
	if (e != AUTH_OK) {
		auth_db_rollback();
		return e;
	}
	return auth_db_commit();
}
