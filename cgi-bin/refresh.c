/* POST /auth/refresh: rotate a refresh token within its family. */
#include "endpoint.h"
#include "base_codec.h"
#include "base_secret.h"

static const struct auth_field_spec fields[] = {
	{ "refresh_token", false, AUTH_REFRESH_TOKEN_MAX, NULL },
	{ NULL, false, 0, NULL }
};

static enum auth_err
refresh(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	struct auth_client cl = auth_req_client(req);
	struct auth_tokens t;
	char buf[AUTH_REFRESH_TOKEN_MAX + 1];
	const char *tok;
	long len;
	enum auth_err e;

	if ((len = auth_req_refresh_token(req, buf, sizeof(buf), &tok)) < 0)
		return auth_resp_missing(rs, "refresh_token");
	e = auth_flow_refresh(ctx, &cl, tok, (size_t)len, &t);
	auth_wipe(buf, sizeof(buf));
	if (e != AUTH_OK)
		return e;
	auth_resp_tokens(req, rs, &t);
	return AUTH_OK;
}

static const struct auth_endpoint endpoint = {
	.name = "refresh",
	.path = "/auth/refresh",
	.methods = AUTH_M(AUTH_POST),
	.fields = fields,
	.keys = AUTH_KEYS_SIGN,
	.needs_db = true,
	.limits = { AUTH_RL_RULE(AUTH_RL_REFRESH_IP) },
	.handler = refresh,
};

int
main(int argc, char **argv)
{
	return auth_endpoint_main(&endpoint, argc, argv);
}
