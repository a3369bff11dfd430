/* POST /auth/signup: create an unverified account and queue its email. */
#include <stdio.h>

#include <json-c/json.h>

#include "endpoint.h"
#include "password.h"

enum { F_EMAIL, F_PASSWORD, F__MAX };

static const struct auth_field_spec fields[F__MAX] = {
	[F_EMAIL] = { "email", 1024, auth_valid_email },
	[F_PASSWORD] = { "password", AUTH_PW_MAX_BYTES, NULL },
};

static enum auth_err
signup(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	const struct auth_str *email = req->field[F_EMAIL];
	const struct auth_str *pw = req->field[F_PASSWORD];
	struct auth_client cl = auth_endpoint_client(req);
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
		    auth_http_resp_field_error(rs, "password", weak) :
		    auth_http_resp_field_error(rs, "email",
		    "is not a valid email address");
	if (e != AUTH_OK)
		return e;
	j = auth_http_json_object();
	if (created && ctx->cfg->signup_existing == AUTH_SIGNUP_REVEAL) {
		snprintf(req->user_id, sizeof(req->user_id), "%s", u.id);
		auth_http_json_add_str(j, "id", u.id);
		auth_http_json_add_str(j, "email", u.email);
		auth_http_json_add_bool(j, "email_verified", false);
		auth_http_json_add_str(j, "created_at", u.created_at);
		auth_http_resp_json(rs, 201, j);
		return AUTH_OK;
	}
	/* The same answer whether or not the address was new. */
	auth_http_json_add_str(j, "status", "verification_sent");
	auth_email_trim(&addr, &addr_len);
	auth_http_json_add(j, "email",
	    auth_http_json_string_len(addr, addr_len));
	auth_http_resp_json(rs, 202, j);
	return AUTH_OK;
}

static const struct auth_route routes[] = {
	{ "/auth/signup", false, NULL, AUTH_M(AUTH_POST),
	    AUTH_F(F_EMAIL) | AUTH_F(F_PASSWORD), signup },
};

static const struct auth_endpoint endpoint = {
	.name = "signup",
	AUTH_ENDPOINT_TABLES(fields, routes),
	.needs_db = true,
	.needs_seal = true,
	.hash_passwords = true,
	.limits = { AUTH_RL_RULE(AUTH_RL_SIGNUP_IP) },
};

AUTH_ENDPOINT_MAIN(endpoint)
