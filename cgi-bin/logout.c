/*
 * POST /auth/logout: revoke the session (token family) of a refresh token,
 * from the body or the refresh cookie (then under the CSRF rule, and the
 * cookies are expired).
 */
#include "endpoint.h"
#include "endpoint_web.h"
#include "base_codec.h"
#include "base_secret.h"

enum { F_REFRESH_TOKEN, F_CSRF, F__MAX };

/* Not required: the refresh cookie will do. */
static const struct auth_field_spec fields[F__MAX] = {
	[F_REFRESH_TOKEN] = { "refresh_token", AUTH_REFRESH_TOKEN_MAX, NULL },
	[F_CSRF] = { AUTH_CSRF_FIELD, 64, NULL },
};

static enum auth_err
logout(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	struct auth_client cl = auth_endpoint_client(req);
	char buf[AUTH_REFRESH_TOKEN_MAX + 1];
	const char *tok;
	bool cookie;
	size_t len;
	enum auth_err e;

	e = auth_endpoint_refresh_input(ctx, req, rs, buf, sizeof(buf), &tok,
	    &len, &cookie);
	if (e == AUTH_OK)
		e = auth_flow_logout(ctx, &cl, tok, len);
	auth_wipe(buf, sizeof(buf));
	if (e != AUTH_OK)
		return e;
	if (cookie) {
		auth_endpoint_session_clear(ctx, rs);
		auth_resp_header(rs, "Clear-Site-Data", "\"cookies\"");
	}
	rs->status = 204;
	return AUTH_OK;
}

static const struct auth_route routes[] = {
	{ "/auth/logout", false, NULL, AUTH_M(AUTH_POST), 0, logout },
};

static const struct auth_endpoint endpoint = {
	.name = "logout",
	AUTH_ENDPOINT_TABLES(fields, routes),
	.needs_db = true,
	.needs_hmac = true,
	.limits = { AUTH_RL_RULE(AUTH_RL_LOGOUT_IP) },
};

AUTH_ENDPOINT_MAIN(endpoint)
