/*
 * POST /auth/password/change (Bearer) {"current_password","new_password"}:
 * 204; every other session of the caller is revoked.
 */
#include <json-c/json.h>

#include "endpoint.h"
#include "password.h"

enum { F_CURRENT_PASSWORD, F_NEW_PASSWORD, F__MAX };

static const struct auth_field_spec fields[F__MAX] = {
	[F_CURRENT_PASSWORD] = { "current_password", AUTH_PW_MAX_BYTES, NULL },
	[F_NEW_PASSWORD] = { "new_password", AUTH_PW_MAX_BYTES, NULL },
};

static enum auth_err
change(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	const struct auth_str *cur = req->field[F_CURRENT_PASSWORD];
	const struct auth_str *pw = req->field[F_NEW_PASSWORD];
	struct auth_client cl = auth_endpoint_client(req);
	const char *weak = NULL;
	enum auth_err e;

	e = auth_flow_password_change(ctx, &cl, cur->p, cur->len, pw->p,
	    pw->len, &weak);
	if (e == AUTH_ERR_VALIDATION && weak != NULL)
		return auth_http_resp_field_error(rs, "new_password", weak);
	if (e != AUTH_OK)
		return e;
	rs->status = 204;
	return AUTH_OK;
}

static const struct auth_route routes[] = {
	{ "/auth/password/change", false, NULL, AUTH_M(AUTH_POST),
	    AUTH_F(F_CURRENT_PASSWORD) | AUTH_F(F_NEW_PASSWORD), change },
};

static const struct auth_endpoint endpoint = {
	.name = "password-change",
	AUTH_ENDPOINT_TABLES(fields, routes),
	.keys = AUTH_KEYS_VERIFY,
	.needs_db = true,
	.bearer = true,
	.hash_passwords = true,
	/* Password guesses: the login budget of the address. */
	.limits = { AUTH_RL_RULE(AUTH_RL_LOGIN_IP) },
	/* login_ip goes with the gate, in one Redis call. */
	.defer_ip = true,
};

AUTH_ENDPOINT_MAIN(endpoint)
