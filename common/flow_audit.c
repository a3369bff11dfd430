/*
 * The one audit writer, and the names of the events and of the session
 * revoke reasons as the database stores them.
 */
#include "flow.h"

#include <stdio.h>

#include "base_metric.h"
#include "log.h"
#include "store_audit.h"

const char *const auth_audit_names[AUTH_AUDIT__MAX] = {
	[AUTH_AUDIT_SIGNUP] = "signup",
	[AUTH_AUDIT_SIGNUP_EXISTING_EMAIL] = "signup_existing_email",
	[AUTH_AUDIT_EMAIL_VERIFIED] = "email_verified",
	[AUTH_AUDIT_VERIFY_EMAIL_RESENT] = "verify_email_resent",
	[AUTH_AUDIT_LOGIN_SUCCEEDED] = "login_succeeded",
	[AUTH_AUDIT_LOGIN_FAILED] = "login_failed",
	[AUTH_AUDIT_LOGIN_LOCKOUT] = "login_lockout",
	[AUTH_AUDIT_REFRESH_TOKEN_REUSE] = "refresh_token_reuse",
	[AUTH_AUDIT_LOGOUT] = "logout",
	[AUTH_AUDIT_LOGOUT_ALL] = "logout_all",
	[AUTH_AUDIT_SESSION_REVOKED] = "session_revoked",
	[AUTH_AUDIT_PASSWORD_RESET_REQUESTED] = "password_reset_requested",
	[AUTH_AUDIT_PASSWORD_RESET] = "password_reset",
	[AUTH_AUDIT_PASSWORD_CHANGED] = "password_changed",
	[AUTH_AUDIT_ACCOUNT_DISABLED] = "account_disabled",
	[AUTH_AUDIT_ACCOUNT_ENABLED] = "account_enabled",
	[AUTH_AUDIT_ACCOUNT_DELETED] = "account_deleted",
	[AUTH_AUDIT_ROLE_GRANTED] = "role_granted",
	[AUTH_AUDIT_ROLE_REVOKED] = "role_revoked",
	[AUTH_AUDIT_SESSIONS_REVOKED_BY_ADMIN] = "sessions_revoked_by_admin",
	[AUTH_AUDIT_ADMIN_USERS_LISTED] = "admin_users_listed",
	[AUTH_AUDIT_ADMIN_USER_VIEWED] = "admin_user_viewed",
};

const char *const auth_revoke_names[AUTH_REVOKE__MAX] = {
	[AUTH_REVOKE_REFRESH_TOKEN_REUSE] = "refresh_token_reuse",
	[AUTH_REVOKE_LOGOUT] = "logout",
	[AUTH_REVOKE_LOGOUT_ALL] = "logout_all",
	[AUTH_REVOKE_SESSION_REVOKED] = "session_revoked",
	[AUTH_REVOKE_PASSWORD_RESET] = "password_reset",
	[AUTH_REVOKE_PASSWORD_CHANGED] = "password_changed",
	[AUTH_REVOKE_ACCOUNT_DISABLED] = "account_disabled",
	[AUTH_REVOKE_PASSWORD_SET_BY_OPERATOR] = "password_set_by_operator",
	[AUTH_REVOKE_ROLE_REVOKED] = "role_revoked",
	[AUTH_REVOKE_BY_ADMIN] = "revoked_by_admin",
};

void
auth_flow_audit(const char *user_id, const char *event,
    const struct auth_client *cl, const char *detail)
{
	if (auth_store_audit(user_id, event, cl, detail) != AUTH_OK)
		auth_log_error(cl ? cl->request_id : NULL,
		    "audit event %s not written", event);
}

/* The sessions an event of one session started or revoked, counted. */
static void
audit_count(enum auth_audit_event ev)
{
	switch (ev) {
	case AUTH_AUDIT_LOGIN_SUCCEEDED:
		auth_metric_add(AUTH_METRIC_SESSIONS_CREATED, 1);
		break;
	case AUTH_AUDIT_LOGOUT:
	case AUTH_AUDIT_SESSION_REVOKED:
	case AUTH_AUDIT_REFRESH_TOKEN_REUSE:
		auth_metric_add(AUTH_METRIC_SESSIONS_REVOKED, 1);
		break;
	default:
		break;
	}
}

void
auth_flow_audit_event(enum auth_audit_event ev, const char *user_id,
    const struct auth_client *cl, const char *detail)
{
	audit_count(ev);
	auth_flow_audit(user_id, auth_audit_names[ev], cl, detail);
}

void
auth_flow_count_revoked(long n)
{
	if (n > 0)
		auth_metric_add(AUTH_METRIC_SESSIONS_REVOKED, (uint64_t)n);
}

void
auth_flow_audit_revoked(enum auth_audit_event ev, const char *user_id,
    const struct auth_client *cl, long n)
{
	char detail[64];

	auth_flow_count_revoked(n);
	snprintf(detail, sizeof(detail), "{\"sessions_revoked\":%ld}", n);
	auth_flow_audit_event(ev, user_id, cl, detail);
}
