/*
 * POST /auth/password/change (Bearer) {"current_password","new_password"}:
 * 204; every other session of the caller is revoked.
 */
#include <json-c/json.h>

#include "endpoint.h"
#include "password.h"

static const struct auth_field_spec fields[] = {
	{ "current_password", true, AUTH_PW_MAX_BYTES, NULL },
	{ "new_password", true, AUTH_PW_MAX_BYTES, NULL },
	{ NULL, false, 0, NULL }
};

static enum auth_err
change(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	const struct auth_str *cur = auth_req_field(req, "current_password");
	const struct auth_str *pw = auth_req_field(req, "new_password");
	struct auth_client cl = auth_req_client(req);
	const char *weak = NULL;
	enum auth_err e;

	e = auth_flow_password_change(ctx, &cl, cur->p, cur->len, pw->p,
	    pw->len, &weak);
	if (e == AUTH_ERR_VALIDATION && weak != NULL)
		return auth_resp_field_error(rs, "new_password", weak);
	if (e != AUTH_OK)
		return e;
	rs->status = 204;
	return AUTH_OK;
}

static const struct auth_endpoint endpoint = {
	.name = "password-change",
	.path = "/auth/password/change",
	.methods = AUTH_M(AUTH_POST),
	.fields = fields,
	.keys = AUTH_KEYS_VERIFY,
	.needs_db = true,
	.bearer = true,
	.hash_passwords = true,
	/* Password guesses: the login budget of the address. */
	.limits = { AUTH_RL_RULE(AUTH_RL_LOGIN_IP) },
	.handler = change,
};

int
main(int argc, char **argv)
{
	return auth_endpoint_main(&endpoint, argc, argv);
}
