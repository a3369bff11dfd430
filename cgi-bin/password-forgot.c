/*
 * POST /auth/password/forgot {"email"}: always 202; an enabled account with
 * this address gets a reset link through the outbox.
 */
#include "endpoint.h"

enum { F_EMAIL, F__MAX };

static const struct auth_field_spec fields[F__MAX] = {
	[F_EMAIL] = { "email", 1024, auth_valid_email },
};

static enum auth_err
forgot(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	return auth_endpoint_email_202(ctx, req, rs, F_EMAIL,
	    auth_flow_password_forgot, "reset_requested");
}

static const struct auth_route routes[] = {
	{ "/auth/password/forgot", false, NULL, AUTH_M(AUTH_POST),
	    AUTH_F(F_EMAIL), forgot },
};

static const struct auth_endpoint endpoint = {
	.name = "password-forgot",
	AUTH_ENDPOINT_TABLES(fields, routes),
	.needs_db = true,
	.needs_seal = true,
	.limits = { AUTH_RL_RULE(AUTH_RL_FORGOT_IP),
	    AUTH_RL_RULE(AUTH_RL_FORGOT_ACCOUNT) },
	/* The IP rule goes with the account rule, in one Redis call. */
	.defer_ip = true,
};

AUTH_ENDPOINT_MAIN(endpoint)
