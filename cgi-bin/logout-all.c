/* POST /auth/logout-all (Bearer): revoke every session of the caller. */
#include "endpoint.h"

static enum auth_err
logout_all(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	struct auth_client cl = auth_endpoint_client(req);
	enum auth_err e;

	e = auth_flow_logout_all(ctx, &cl);
	if (e != AUTH_OK)
		return e;
	rs->status = 204;
	return AUTH_OK;
}

static const struct auth_route routes[] = {
	{ "/auth/logout-all", false, NULL, AUTH_M(AUTH_POST), 0, logout_all },
};

static const struct auth_endpoint endpoint = {
	.name = "logout-all",
	AUTH_ENDPOINT_ROUTES(routes),
	.keys = AUTH_KEYS_VERIFY,
	.needs_db = true,
	.bearer = true,
	.limits = { AUTH_RL_RULE(AUTH_RL_LOGOUT_IP) },
};

AUTH_ENDPOINT_MAIN(endpoint)
