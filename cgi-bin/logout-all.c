/* POST /auth/logout-all (Bearer): revoke every session of the caller. */
#include "endpoint.h"

static enum auth_err
logout_all(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	struct auth_client cl = auth_req_client(req);
	enum auth_err e;

	e = auth_flow_logout_all(ctx, &cl);
	if (e != AUTH_OK)
		return e;
	rs->status = 204;
	return AUTH_OK;
}

static const struct auth_endpoint endpoint = {
	.name = "logout-all",
	.path = "/auth/logout-all",
	.methods = AUTH_M(AUTH_POST),
	.keys = AUTH_KEYS_VERIFY,
	.needs_db = true,
	.bearer = true,
	.limits = { AUTH_RL_RULE(AUTH_RL_LOGOUT_IP) },
	.handler = logout_all,
};

int
main(int argc, char **argv)
{
	return auth_endpoint_main(&endpoint, argc, argv);
}
