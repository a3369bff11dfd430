/* GET /auth/me: the caller's account, from a valid access token. */
#include <json-c/json.h>

#include "endpoint.h"
#include "base_codec.h"
#include "base_secret.h"

static enum auth_err
me(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	struct auth_user u;
	json_object *j, *roles;
	enum auth_err e;
	size_t i;

	(void)req;
	/* A deleted or disabled account's tokens are dead, and so are those
	 * of a revoked session. */
	e = auth_flow_bearer_user(ctx, &u);
	if (e != AUTH_OK)
		return e;
	j = auth_http_json_object();
	roles = auth_http_json_array();
	for (i = 0; i < u.nroles; i++)
		auth_http_json_push(roles, auth_http_json_string(u.roles[i]));
	auth_http_json_add_str(j, "id", u.id);
	auth_http_json_add_str(j, "email", u.email);
	auth_http_json_add_bool(j, "email_verified", u.email_verified);
	auth_http_json_add_str(j, "created_at", u.created_at);
	auth_http_json_add(j, "roles", roles);
	auth_wipe(&u, sizeof(u));
	auth_http_resp_json(rs, 200, j);
	return AUTH_OK;
}

static const struct auth_route routes[] = {
	{ "/auth/me", false, NULL, AUTH_M(AUTH_GET), 0, me },
};

static const struct auth_endpoint endpoint = {
	.name = "me",
	AUTH_ENDPOINT_ROUTES(routes),
	.keys = AUTH_KEYS_VERIFY,
	.needs_db = true,
	.bearer = true,
};

AUTH_ENDPOINT_MAIN(endpoint)
