/*
 * POST /auth/verify-email/resend {"email"}: 202 whatever the account's
 * state; an enabled, unverified account gets a new link (older ones void).
 */
#include "endpoint.h"

enum { F_EMAIL, F__MAX };

static const struct auth_field_spec fields[F__MAX] = {
	[F_EMAIL] = { "email", 1024, auth_valid_email },
};

static enum auth_err
verify_resend(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	return auth_endpoint_email_202(ctx, req, rs, F_EMAIL,
	    auth_flow_verify_resend, "verification_sent");
}

static const struct auth_route routes[] = {
	{ "/auth/verify-email/resend", false, NULL, AUTH_M(AUTH_POST),
	    AUTH_F(F_EMAIL), verify_resend },
};

static const struct auth_endpoint endpoint = {
	.name = "verify-resend",
	AUTH_ENDPOINT_TABLES(fields, routes),
	.needs_db = true,
	.needs_seal = true,
	.limits = { AUTH_RL_RULE(AUTH_RL_VERIFY_RESEND_IP),
	    AUTH_RL_RULE(AUTH_RL_VERIFY_RESEND_ACCOUNT) },
	/* The IP rule goes with the account rule, in one Redis call. */
	.defer_ip = true,
};

AUTH_ENDPOINT_MAIN(endpoint)
