/* POST /auth/login: credentials in, token pair out. */
#include "endpoint.h"
#include "password.h"

static const struct auth_field_spec fields[] = {
	{ "email", true, 1024, NULL },
	{ "password", true, AUTH_PW_MAX_BYTES, NULL },
	{ NULL, false, 0, NULL }
};

static enum auth_err
login(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	const struct auth_str *email = auth_req_field(req, "email");
	const struct auth_str *pw = auth_req_field(req, "password");
	struct auth_client cl = auth_req_client(req);
	struct auth_tokens t;
	enum auth_err e;

	e = auth_flow_login(ctx, &cl, email->p, email->len, pw->p, pw->len,
	    &t);
	if (e != AUTH_OK)
		return e;
	auth_resp_tokens(req, rs, &t);
	return AUTH_OK;
}

static const struct auth_endpoint endpoint = {
	.name = "login",
	.path = "/auth/login",
	.methods = AUTH_M(AUTH_POST),
	.fields = fields,
	.keys = AUTH_KEYS_SIGN,
	.needs_db = true,
	.hash_passwords = true,
	/* login_account is the flow's: known-good addresses are exempt. */
	.limits = { AUTH_RL_RULE(AUTH_RL_LOGIN_IP) },
	.handler = login,
};

int
main(int argc, char **argv)
{
	return auth_endpoint_main(&endpoint, argc, argv);
}
