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

/* Appends one session to the listing. */
static int
add_session(void *arg, const struct auth_session_row *row)
{
	struct listing *l = arg;
	json_object *o = auth_http_json_object();

	auth_http_json_add_str(o, "id", row->id);
	auth_http_json_add_str(o, "created_at", row->created_at);
	auth_http_json_add_str(o, "last_used_at", row->last_used_at);
	auth_http_json_add_str(o, "expires_at", row->expires_at);
	auth_http_json_add_str(o, "ip", row->ip[0] != '\0' ? row->ip : NULL);
	auth_http_json_add_str(o, "user_agent",
	    row->user_agent[0] != '\0' ? row->user_agent : NULL);
	auth_http_json_add_bool(o, "current", strcmp(row->id, l->current) == 0);
	auth_http_json_push(l->array, o);
	return 0;
}

/* GET /auth/sessions */
static enum auth_err
list(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	struct listing l;
	enum auth_err e;

	(void)req;
	l.current = ctx->bearer.sid;
	l.array = auth_http_json_array();
	if ((e = auth_flow_sessions_list(ctx, add_session, &l)) != AUTH_OK) {
		json_object_put(l.array);
		return e;
	}
	auth_http_resp_json(rs, 200, l.array);
	return AUTH_OK;
}

/* DELETE /auth/sessions/{id}: anyone else's session is a 404. */
static enum auth_err
revoke(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	struct auth_client cl = auth_endpoint_client(req);
	enum auth_err e;

	e = auth_flow_session_revoke(ctx, &cl, req->path_arg);
	if (e != AUTH_OK)
		return e;
	rs->status = 204;
	return AUTH_OK;
}

/* A path below /auth/sessions that is not a session id is a 404. */
static const struct auth_route routes[] = {
	{ LIST_PATH, false, NULL, AUTH_M(AUTH_GET), 0, list },
	{ LIST_PATH, true, auth_uuid_valid, AUTH_M(AUTH_DELETE), 0, revoke },
};

static const struct auth_endpoint endpoint = {
	.name = "sessions",
	AUTH_ENDPOINT_ROUTES(routes),
	.keys = AUTH_KEYS_VERIFY,
	.needs_db = true,
	.bearer = true,
};

AUTH_ENDPOINT_MAIN(endpoint)
