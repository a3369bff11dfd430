/*
 * What every flow shares besides the audit trail and the email-token
 * step: email address normalisation and the per-account login delay that
 * login and password change both enforce.
 */
#include "flow.h"

#include <string.h>

#include "base_clock.h"
#include "base_metric.h"
#include "db.h"

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
    const struct auth_client *cl, const char *email,
    const struct auth_rl_rule *acct, bool *known)
{
	struct auth_rl_verdict v;

	if (auth_rl_login_gate(email, strlen(email), cl->ip, acct, &v,
	    known) == AUTH_OK)
		return AUTH_OK;
	if (ctx->rl != NULL)
		*ctx->rl = v;
	return AUTH_ERR_RATE_LIMITED;
}

void
auth_flow_login_failed(const struct auth_client *cl,
    const struct auth_user *u, const char *detail)
{
	const char *id = u->id[0] != '\0' ? u->id : NULL;

	auth_metric_add(AUTH_METRIC_LOGIN_FAILURES, 1);
	auth_flow_audit_event(AUTH_AUDIT_LOGIN_FAILED, id, cl, detail);
	if (auth_rl_login_failed(u->email, strlen(u->email), cl->ip)) {
		auth_metric_add(AUTH_METRIC_LOGIN_LOCKOUTS, 1);
		auth_flow_audit_event(AUTH_AUDIT_LOGIN_LOCKOUT, id, cl, NULL);
	}
}

void
auth_flow_pad(int64_t t0, int64_t floor_us)
{
	auth_clock_sleep_until(t0 + floor_us);
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
