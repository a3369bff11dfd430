/* GET /auth/me: the caller's account, from a valid access token. */
#include <json-c/json.h>

#include "endpoint.h"
#include "store.h"
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
	j = json_object_new_object();
	roles = json_object_new_array();
	for (i = 0; i < u.nroles; i++)
		json_object_array_add(roles, json_object_new_string(u.roles[i]));
	json_object_object_add(j, "id", json_object_new_string(u.id));
	json_object_object_add(j, "email", json_object_new_string(u.email));
	json_object_object_add(j, "email_verified",
	    json_object_new_boolean(u.email_verified));
	json_object_object_add(j, "created_at",
	    json_object_new_string(u.created_at));
	json_object_object_add(j, "roles", roles);
	auth_wipe(&u, sizeof(u));
	auth_resp_json(rs, 200, j);
	return AUTH_OK;
}

static const struct auth_endpoint endpoint = {
	.name = "me",
	.path = "/auth/me",
	.methods = AUTH_M(AUTH_GET),
	.keys = AUTH_KEYS_VERIFY,
	.needs_db = true,
	.bearer = true,
	.handler = me,
};

int
main(int argc, char **argv)
{
	return auth_endpoint_main(&endpoint, argc, argv);
}
