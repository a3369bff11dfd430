/*
 * The caller of a Bearer request and its sessions: who is calling,
 * logging out everywhere, revoking one session.
 */
#include "flow.h"

#include <stdio.h>
#include <string.h>

#include "base_codec.h"
#include "base_secret.h"

enum auth_err
auth_flow_bearer_user(const struct auth_ctx *ctx, struct auth_user *out)
{
	struct auth_user u;
	enum auth_err e;

	/* An access token outlives its session by at most access_ttl. */
	e = auth_store_user_by_session(ctx->bearer.sub, ctx->bearer.sid, &u);
	if (e == AUTH_OK && u.disabled)
		e = AUTH_ERR_UNAUTHORIZED;
	if (e == AUTH_ERR_NOT_FOUND)
		e = AUTH_ERR_UNAUTHORIZED;
	if (e == AUTH_OK && out != NULL)
		*out = u;
	auth_wipe(&u, sizeof(u));
	return e;
}

enum auth_err
auth_flow_sessions_list(const struct auth_ctx *ctx,
    int (*fn)(void *arg, const struct auth_session_row *row), void *arg)
{
	enum auth_err e;

	/* The caller's check and the listing at once. */
	e = auth_store_sessions_list_caller(ctx->bearer.sub, ctx->bearer.sid,
	    fn, arg);
	return e == AUTH_ERR_NOT_FOUND ? AUTH_ERR_UNAUTHORIZED : e;
}

enum auth_err
auth_flow_logout_all(const struct auth_ctx *ctx, const struct auth_client *cl)
{
	long n = 0;
	enum auth_err e;

	/* The caller's check, the revocation and its audit row at once. */
	e = auth_store_sessions_logout_all(ctx->bearer.sub, ctx->bearer.sid,
	    auth_revoke_names[AUTH_REVOKE_LOGOUT_ALL],
	    auth_audit_names[AUTH_AUDIT_LOGOUT_ALL], cl, &n);
	if (e == AUTH_OK)
		auth_flow_count_revoked(n);
	return e == AUTH_ERR_NOT_FOUND ? AUTH_ERR_UNAUTHORIZED : e;
}

enum auth_err
auth_flow_session_revoke(const struct auth_ctx *ctx,
    const struct auth_client *cl, const char *session_id)
{
	char detail[96];
	long n = 0;
	enum auth_err e;

	if (!auth_uuid_valid(session_id, strlen(session_id))) {
		if ((e = auth_flow_bearer_user(ctx, NULL)) != AUTH_OK)
			return e;
		return AUTH_ERR_NOT_FOUND;
	}
	snprintf(detail, sizeof(detail), "{\"session_id\":\"%s\"}",
	    session_id);
	/* The caller's check, the revocation and its audit row at once. */
	e = auth_store_session_revoke_caller(ctx->bearer.sub, ctx->bearer.sid,
	    session_id, auth_revoke_names[AUTH_REVOKE_SESSION_REVOKED],
	    auth_audit_names[AUTH_AUDIT_SESSION_REVOKED], cl, detail, &n);
	if (e == AUTH_OK)
		auth_flow_count_revoked(n);
	if (e == AUTH_ERR_NOT_FOUND)
		return AUTH_ERR_UNAUTHORIZED;
	return e == AUTH_OK && n == 0 ? AUTH_ERR_NOT_FOUND : e;
}
