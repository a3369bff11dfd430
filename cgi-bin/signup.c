/* POST /auth/signup: create an unverified account and queue its email. */
#include <stdio.h>

#include <json-c/json.h>

#include "endpoint.h"
#include "password.h"

static const struct auth_field_spec fields[] = {
	{ "email", true, 1024, auth_valid_email },
	{ "password", true, AUTH_PW_MAX_BYTES, NULL },
	{ NULL, false, 0, NULL }
};

static enum auth_err
signup(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	const struct auth_str *email = auth_req_field(req, "email");
	const struct auth_str *pw = auth_req_field(req, "password");
	struct auth_client cl = auth_req_client(req);
	struct auth_user u;
	const char *weak = NULL, *addr = email->p;
	size_t addr_len = email->len;
	bool created;
	enum auth_err e;
	json_object *j;

	e = auth_flow_signup(ctx, &cl, email->p, email->len, pw->p, pw->len,
	    &u, &created, &weak);
	if (e == AUTH_ERR_VALIDATION)
		return weak != NULL ?
		    auth_resp_field_error(rs, "password", weak) :
		    auth_resp_field_error(rs, "email",
		    "is not a valid email address");
	if (e != AUTH_OK)
		return e;
	j = json_object_new_object();
	if (created && ctx->cfg->signup_existing == AUTH_SIGNUP_REVEAL) {
		snprintf(req->user_id, sizeof(req->user_id), "%s", u.id);
		json_object_object_add(j, "id", json_object_new_string(u.id));
		json_object_object_add(j, "email",
		    json_object_new_string(u.email));
		json_object_object_add(j, "email_verified",
		    json_object_new_boolean(0));
		json_object_object_add(j, "created_at",
		    json_object_new_string(u.created_at));
		auth_resp_json(rs, 201, j);
		return AUTH_OK;
	}
	/* The same answer whether or not the address was new. */
	json_object_object_add(j, "status",
	    json_object_new_string("verification_sent"));
	auth_email_trim(&addr, &addr_len);
	json_object_object_add(j, "email",
	    json_object_new_string_len(addr, (int)addr_len));
	auth_resp_json(rs, 202, j);
	return AUTH_OK;
}

static const struct auth_endpoint endpoint = {
	.name = "signup",
	.path = "/auth/signup",
	.methods = AUTH_M(AUTH_POST),
	.fields = fields,
	.needs_db = true,
	.needs_seal = true,
	.hash_passwords = true,
	.limits = { AUTH_RL_RULE(AUTH_RL_SIGNUP_IP) },
	.handler = signup,
};

int
main(int argc, char **argv)
{
	return auth_endpoint_main(&endpoint, argc, argv);
}
