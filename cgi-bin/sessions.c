/*
 * The caller's sessions (Bearer):
 *   GET    /auth/sessions        the live sessions, newest first
 *   DELETE /auth/sessions/{id}   revoke one of them; anyone else's is 404
 */
#include <string.h>

#include <json-c/json.h>

#include "endpoint.h"
#include "base_codec.h"
#include "base_secret.h"

#define LIST_PATH	"/auth/sessions"

struct listing {
	const char	*current;	/* the caller's session id */
	json_object	*array;
};

/* Appends one session to the listing; -1 if out of memory. */
static int
add_session(void *arg, const struct auth_session_row *row)
{
	struct listing *l = arg;
	json_object *o;

	if ((o = json_object_new_object()) == NULL)
		return -1;
	json_object_object_add(o, "id", json_object_new_string(row->id));
	json_object_object_add(o, "created_at",
	    json_object_new_string(row->created_at));
	json_object_object_add(o, "last_used_at",
	    json_object_new_string(row->last_used_at));
	json_object_object_add(o, "expires_at",
	    json_object_new_string(row->expires_at));
	json_object_object_add(o, "ip", row->ip[0] != '\0' ?
	    json_object_new_string(row->ip) : NULL);
	json_object_object_add(o, "user_agent", row->user_agent[0] != '\0' ?
	    json_object_new_string(row->user_agent) : NULL);
	json_object_object_add(o, "current", json_object_new_boolean(
	    strcmp(row->id, l->current) == 0));
	if (json_object_array_add(l->array, o) != 0) {
		json_object_put(o);
		return -1;
	}
	return 0;
}

static enum auth_err
list(struct auth_ctx *ctx, struct auth_resp *rs)
{
	struct listing l;
	enum auth_err e;

	if ((e = auth_flow_bearer_user(ctx, NULL)) != AUTH_OK)
		return e;
	l.current = ctx->bearer.sid;
	if ((l.array = json_object_new_array()) == NULL)
		return AUTH_ERR_INTERNAL;
	if ((e = auth_store_sessions_list(ctx->bearer.sub, add_session,
	    &l)) != AUTH_OK) {
		json_object_put(l.array);
		return e;
	}
	auth_resp_json(rs, 200, l.array);
	return AUTH_OK;
}

static enum auth_err
sessions(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	struct auth_client cl = auth_req_client(req);
	const char *id = NULL;
	size_t plen = strlen(LIST_PATH);
	enum auth_err e;

	/* route_match accepts any extension of the path: check it here. */
	if (strcmp(req->path, LIST_PATH) == 0) {
		if (req->method != AUTH_GET) {
			auth_resp_header(rs, "Allow", "GET");
			return AUTH_ERR_METHOD_NOT_ALLOWED;
		}
	} else if (req->path[plen] == '/' &&
	    strlen(req->path + plen + 1) > 0) {
		id = req->path + plen + 1;
		if (!auth_uuid_valid(id, strlen(id)))
			return AUTH_ERR_NOT_FOUND;
		if (req->method != AUTH_DELETE) {
			auth_resp_header(rs, "Allow", "DELETE");
			return AUTH_ERR_METHOD_NOT_ALLOWED;
		}
	} else
		return AUTH_ERR_NOT_FOUND;
	if (id == NULL)
		return list(ctx, rs);
	e = auth_flow_session_revoke(ctx, &cl, id);
	if (e != AUTH_OK)
		return e;
	rs->status = 204;
	return AUTH_OK;
}

static const struct auth_endpoint endpoint = {
	.name = "sessions",
	.path = LIST_PATH,
	.path_prefix = true,
	.methods = AUTH_M(AUTH_GET) | AUTH_M(AUTH_DELETE),
	.keys = AUTH_KEYS_VERIFY,
	.needs_db = true,
	.bearer = true,
	.handler = sessions,
};

int
main(int argc, char **argv)
{
	return auth_endpoint_main(&endpoint, argc, argv);
}
