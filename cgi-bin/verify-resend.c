/*
 * POST /auth/verify-email/resend {"email"}: 202 whatever the account's
 * state; an enabled, unverified account gets a new link (older ones void).
 */
#include <json-c/json.h>

#include "endpoint.h"

static const struct auth_field_spec fields[] = {
	{ "email", true, 1024, auth_valid_email },
	{ NULL, false, 0, NULL }
};

static enum auth_err
verify_resend(struct auth_ctx *ctx, struct auth_req *req,
    struct auth_resp *rs)
{
	const struct auth_str *email = auth_req_field(req, "email");
	struct auth_client cl = auth_req_client(req);
	json_object *j;
	enum auth_err e;

	e = auth_flow_verify_resend(ctx, &cl, email->p, email->len);
	if (e != AUTH_OK)
		return e;
	j = json_object_new_object();
	json_object_object_add(j, "status",
	    json_object_new_string("verification_sent"));
	auth_resp_json(rs, 202, j);
	return AUTH_OK;
}

static const struct auth_endpoint endpoint = {
	.name = "verify-resend",
	.path = "/auth/verify-email/resend",
	.methods = AUTH_M(AUTH_POST),
	.fields = fields,
	.needs_db = true,
	.needs_seal = true,
	.limits = { AUTH_RL_RULE(AUTH_RL_VERIFY_RESEND_IP),
	    AUTH_RL_RULE(AUTH_RL_VERIFY_RESEND_ACCOUNT) },
	.handler = verify_resend,
};

int
main(int argc, char **argv)
{
	return auth_endpoint_main(&endpoint, argc, argv);
}
