/*
 * POST /auth/password/forgot {"email"}: always 202; an enabled account with
 * this address gets a reset link through the outbox.
 */
#include <json-c/json.h>

#include "endpoint.h"

static const struct auth_field_spec fields[] = {
	{ "email", true, 1024, auth_valid_email },
	{ NULL, false, 0, NULL }
};

static enum auth_err
forgot(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	const struct auth_str *email = auth_req_field(req, "email");
	struct auth_client cl = auth_req_client(req);
	enum auth_err e;

	e = auth_flow_password_forgot(ctx, &cl, email->p, email->len);
	if (e != AUTH_OK)
		return e;
	/* The same answer whether or not the address has an account. */
	auth_resp_json(rs, 202,
	    json_tokener_parse("{\"status\":\"reset_requested\"}"));
	return AUTH_OK;
}

static const struct auth_endpoint endpoint = {
	.name = "password-forgot",
	.path = "/auth/password/forgot",
	.methods = AUTH_M(AUTH_POST),
	.fields = fields,
	.needs_db = true,
	.needs_seal = true,
	.limits = { AUTH_RL_RULE(AUTH_RL_FORGOT_IP),
	    AUTH_RL_RULE(AUTH_RL_FORGOT_ACCOUNT) },
	.handler = forgot,
};

int
main(int argc, char **argv)
{
	return auth_endpoint_main(&endpoint, argc, argv);
}
