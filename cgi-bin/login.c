/* POST /auth/login: credentials in, token pair out. */
#include "endpoint.h"
#include "password.h"

enum { F_EMAIL, F_PASSWORD, F__MAX };

static const struct auth_field_spec fields[F__MAX] = {
	[F_EMAIL] = { "email", 1024, NULL },
	[F_PASSWORD] = { "password", AUTH_PW_MAX_BYTES, NULL },
};

static enum auth_err
login(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	const struct auth_str *email = req->field[F_EMAIL];
	const struct auth_str *pw = req->field[F_PASSWORD];
	struct auth_client cl = auth_endpoint_client(req);
	struct auth_tokens t;
	enum auth_err e;

	e = auth_flow_login(ctx, &cl, email->p, email->len, pw->p, pw->len,
	    &t);
	if (e != AUTH_OK)
		return e;
	auth_endpoint_tokens(req, rs, &t);
	return AUTH_OK;
}

static const struct auth_route routes[] = {
	{ "/auth/login", false, NULL, AUTH_M(AUTH_POST),
	    AUTH_F(F_EMAIL) | AUTH_F(F_PASSWORD), login },
};

static const struct auth_endpoint endpoint = {
	.name = "login",
	AUTH_ENDPOINT_TABLES(fields, routes),
	.keys = AUTH_KEYS_SIGN,
	.needs_db = true,
	.hash_passwords = true,
	/* login_account is the flow's: known-good addresses are exempt. */
	.limits = { AUTH_RL_RULE(AUTH_RL_LOGIN_IP) },
	/* login_ip goes with the gate and login_account, in one Redis call. */
	.defer_ip = true,
};

AUTH_ENDPOINT_MAIN(endpoint)
