/* POST /auth/logout: revoke the session (token family) of a refresh token. */
#include "endpoint.h"
#include "base_codec.h"
#include "base_secret.h"

static const struct auth_field_spec fields[] = {
	{ "refresh_token", false, AUTH_REFRESH_TOKEN_MAX, NULL },
	{ NULL, false, 0, NULL }
};

static enum auth_err
logout(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	struct auth_client cl = auth_req_client(req);
	char buf[AUTH_REFRESH_TOKEN_MAX + 1];
	const char *tok;
	long len;
	enum auth_err e;

	if ((len = auth_req_refresh_token(req, buf, sizeof(buf), &tok)) < 0)
		return auth_resp_missing(rs, "refresh_token");
	e = auth_flow_logout(ctx, &cl, tok, (size_t)len);
	auth_wipe(buf, sizeof(buf));
	if (e != AUTH_OK)
		return e;
	rs->status = 204;
	return AUTH_OK;
}

static const struct auth_endpoint endpoint = {
	.name = "logout",
	.path = "/auth/logout",
	.methods = AUTH_M(AUTH_POST),
	.fields = fields,
	.needs_db = true,
	.limits = { AUTH_RL_RULE(AUTH_RL_LOGOUT_IP) },
	.handler = logout,
};

int
main(int argc, char **argv)
{
	return auth_endpoint_main(&endpoint, argc, argv);
}
