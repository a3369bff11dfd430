/*
 * The operator's account changes (authctl user ...), each in one
 * transaction with the audit event the endpoints write for the same change.
 */
#include "flow.h"

#include "db.h"

/* authctl's, as an admin's (flow_admin.c): {"by":"authctl"} in the
 * event. */
enum auth_err
auth_flow_user_set_disabled(const struct auth_client *cl,
    const char *user_id, bool disabled)
{
	return auth_flow_admin_set_disabled(cl, NULL, user_id, disabled);
}

/* Sets pw_hash for user_id and revokes every session, inside the
 * transaction. */
static enum auth_err
set_password_tx(const struct auth_client *cl, const char *user_id,
    const char *pw_hash)
{
	long n = 0;
	enum auth_err e;

	if ((e = auth_store_user_set_password(user_id, pw_hash)) != AUTH_OK ||
	    (e = auth_store_sessions_revoke_user(user_id, NULL,
	    auth_revoke_names[AUTH_REVOKE_PASSWORD_SET_BY_OPERATOR], &n)) !=
	    AUTH_OK)
		return e;
	auth_flow_audit_revoked(AUTH_AUDIT_PASSWORD_CHANGED, user_id, cl, n);
	return AUTH_OK;
}

enum auth_err
auth_flow_user_set_password(const struct auth_client *cl,
    const char *user_id, const char *pw_hash)
{
	enum auth_err e;

	if ((e = auth_db_begin()) != AUTH_OK)
		return e;
	return auth_flow_tx_end(set_password_tx(cl, user_id, pw_hash));
}
