/*
 * The operator's account changes (authctl user ...), each in one
 * transaction with the audit event the endpoints write for the same change.
 */
#include "flow.h"

#include "db.h"

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
		    auth_revoke_names[AUTH_REVOKE_ACCOUNT_DISABLED], &n)) !=
		    AUTH_OK)
			goto out;
		auth_flow_audit_revoked(AUTH_AUDIT_ACCOUNT_DISABLED, user_id, cl,
		    n);
	} else
		auth_flow_audit_event(AUTH_AUDIT_ACCOUNT_ENABLED, user_id, cl,
		    NULL);
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
	    auth_revoke_names[AUTH_REVOKE_PASSWORD_SET_BY_OPERATOR], &n)) !=
	    AUTH_OK)
		goto out;
	auth_flow_audit_revoked(AUTH_AUDIT_PASSWORD_CHANGED, user_id, cl, n);
	return auth_db_commit();
out:
	auth_db_rollback();
	return e;
}
