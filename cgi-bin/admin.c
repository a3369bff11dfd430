/*
 * The admin API (Bearer with the role admin_role, else 403 forbidden):
 *   GET    /auth/admin/users?q=&limit=&cursor=   newest first, by pages
 *   GET    /auth/admin/users/{id}
 *   POST   /auth/admin/users/{id}/disable        revokes every session
 *   POST   /auth/admin/users/{id}/enable
 *   DELETE /auth/admin/users/{id}/sessions
 *   PUT    /auth/admin/users/{id}/roles/{role}
 *   DELETE /auth/admin/users/{id}/roles/{role}
 *   DELETE /auth/admin/users/{id}
 * Every call is audited with the acting admin's id; an id that is not a
 * user (or not a UUID) is a 404.
 */
#include <string.h>

#include <json-c/json.h>

#include "endpoint.h"
#include "base_num.h"
#include "base_codec.h"
#include "base_secret.h"

#define USERS		"/auth/admin/users"
#define LIMIT_DEFAULT	50
#define LIMIT_MAX	100

/* A user as the admin API shows it; row's booleans are "true"/"false". */
static json_object *
user_json(const char *id, const char *email, bool verified, bool disabled,
    const char *created_at, json_object *roles)
{
	json_object *o = auth_http_json_object();

	auth_http_json_add_str(o, "id", id);
	auth_http_json_add_str(o, "email", email);
	auth_http_json_add_bool(o, "email_verified", verified);
	auth_http_json_add_bool(o, "disabled", disabled);
	auth_http_json_add_str(o, "created_at", created_at);
	auth_http_json_add(o, "roles", roles);
	return o;
}

/* Appends one listed user to the array arg. */
static int
add_user(void *arg, const struct auth_user_row *row)
{
	json_object *roles = auth_http_json_array();
	const char *p = row->roles, *end;

	while (*p != '\0') {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		auth_http_json_push(roles, auth_http_json_string_len(p,
		    (size_t)(end - p)));
		p = *end == ',' ? end + 1 : end;
	}
	auth_http_json_push(arg, user_json(row->id, row->email,
	    strcmp(row->verified, "true") == 0,
	    strcmp(row->disabled, "true") == 0, row->created_at, roles));
	return 0;
}

/*
 * Query parameter name of req into buf: its length, -1 if absent, or -2
 * if sent but malformed or longer than bufsz - 1 bytes.
 */
static long
query_param(const struct auth_req *req, const char *name, char *buf,
    size_t bufsz)
{
	size_t nlen = strlen(name);
	const char *p;
	long n;

	if ((n = auth_http_query(req, name, buf, bufsz)) >= 0)
		return n;
	for (p = req->query; p != NULL && *p != '\0'; p = strchr(p, '&'),
	    p = p != NULL ? p + 1 : NULL)
		if (strncmp(p, name, nlen) == 0 && (p[nlen] == '=' ||
		    p[nlen] == '&' || p[nlen] == '\0'))
			return -2;
	return -1;
}

/* Reads q, limit and cursor into aq (buffers q and cur); a field error
 * answer if one does not do. */
static enum auth_err
list_query(const struct auth_req *req, struct auth_resp *rs,
    struct auth_admin_query *aq, char q[AUTH_EMAIL_MAX + 1],
    char cur[AUTH_ADMIN_CURSOR_MAX + 1])
{
	char lim[16];
	unsigned long long v;
	long n;

	memset(aq, 0, sizeof(*aq));
	aq->limit = LIMIT_DEFAULT;
	/* An empty q (a search form sent blank) lists everyone. */
	if ((n = query_param(req, "q", q, AUTH_EMAIL_MAX + 1)) == -2)
		return auth_http_resp_field_error(rs, "q",
		    "must be at most 254 bytes");
	if (n > 0) {
		aq->q = q;
		aq->qlen = (size_t)n;
	}
	if ((n = query_param(req, "limit", lim, sizeof(lim))) != -1) {
		if (n < 0 || auth_parse_num(lim, 1, LIMIT_MAX, &v, NULL) != 0)
			return auth_http_resp_field_error(rs, "limit",
			    "must be a whole number from 1 to 100");
		aq->limit = (long)v;
	}
	if ((n = query_param(req, "cursor", cur,
	    AUTH_ADMIN_CURSOR_MAX + 1)) == -2 || n == 0)
		return AUTH_ERR_INVALID_CURSOR;
	if (n > 0) {
		aq->cursor = cur;
		aq->cursor_len = (size_t)n;
	}
	return AUTH_OK;
}

/* GET /auth/admin/users */
static enum auth_err
list(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	char q[AUTH_EMAIL_MAX + 1], cur[AUTH_ADMIN_CURSOR_MAX + 1];
	char next[AUTH_ADMIN_CURSOR_MAX + 1];
	struct auth_client cl = auth_endpoint_client(req);
	struct auth_admin_query aq;
	json_object *users = NULL, *o;
	enum auth_err e;

	if ((e = auth_flow_admin_caller(ctx)) != AUTH_OK ||
	    (e = list_query(req, rs, &aq, q, cur)) != AUTH_OK)
		return e;
	users = auth_http_json_array();
	e = auth_flow_admin_users(ctx, &aq, add_user, users, next,
	    sizeof(next));
	if (e == AUTH_ERR_VALIDATION)
		e = auth_http_resp_field_error(rs, "q",
		    "must be at most 254 bytes, without NUL");
	if (e != AUTH_OK) {
		json_object_put(users);
		return e;
	}
	auth_flow_admin_audit(AUTH_AUDIT_ADMIN_USERS_LISTED, ctx->bearer.sub,
	    &cl, ctx->bearer.sub);
	o = auth_http_json_object();
	auth_http_json_add(o, "users", users);
	auth_http_json_add_str(o, "next_cursor", next[0] != '\0' ? next :
	    NULL);
	auth_http_resp_json(rs, 200, o);
	return AUTH_OK;
}

/* The caller is an admin and the path names a user by a UUID. */
static enum auth_err
admin_on_user(struct auth_ctx *ctx, const struct auth_req *req)
{
	enum auth_err e;

	if ((e = auth_flow_admin_caller(ctx)) != AUTH_OK)
		return e;
	if (req->path_arg == NULL || !auth_uuid_valid(req->path_arg,
	    strlen(req->path_arg)))
		return AUTH_ERR_NOT_FOUND;
	return AUTH_OK;
}

/* GET /auth/admin/users/{id} */
static enum auth_err
show(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	struct auth_client cl = auth_endpoint_client(req);
	struct auth_user u;
	json_object *roles;
	enum auth_err e;
	size_t i;

	memset(&u, 0, sizeof(u));
	if ((e = admin_on_user(ctx, req)) != AUTH_OK ||
	    (e = auth_store_user_by_id(req->path_arg, &u)) != AUTH_OK)
		goto out;
	roles = auth_http_json_array();
	for (i = 0; i < u.nroles; i++)
		auth_http_json_push(roles, auth_http_json_string(u.roles[i]));
	auth_flow_admin_audit(AUTH_AUDIT_ADMIN_USER_VIEWED, u.id, &cl,
	    ctx->bearer.sub);
	auth_http_resp_json(rs, 200, user_json(u.id, u.email,
	    u.email_verified, u.disabled, u.created_at, roles));
out:
	auth_wipe(&u, sizeof(u));
	return e;
}

/* The answer of a change: 204, or e. */
static enum auth_err
changed(struct auth_resp *rs, enum auth_err e)
{
	if (e == AUTH_OK)
		rs->status = 204;
	return e;
}

/* A change of the path's user by flow fn: 204, or its error. */
static enum auth_err
user_change(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs,
    enum auth_err (*fn)(const struct auth_client *cl, const char *by,
    const char *user_id))
{
	struct auth_client cl = auth_endpoint_client(req);
	enum auth_err e;

	if ((e = admin_on_user(ctx, req)) != AUTH_OK)
		return e;
	return changed(rs, fn(&cl, ctx->bearer.sub, req->path_arg));
}

static enum auth_err
disable_user(const struct auth_client *cl, const char *by, const char *id)
{
	return auth_flow_admin_set_disabled(cl, by, id, true);
}

static enum auth_err
enable_user(const struct auth_client *cl, const char *by, const char *id)
{
	return auth_flow_admin_set_disabled(cl, by, id, false);
}

/* POST /auth/admin/users/{id}/disable and .../enable */
static enum auth_err
disable(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	return user_change(ctx, req, rs, disable_user);
}

static enum auth_err
enable(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	return user_change(ctx, req, rs, enable_user);
}

/* DELETE /auth/admin/users/{id}/sessions */
static enum auth_err
sessions(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	return user_change(ctx, req, rs, auth_flow_admin_revoke_sessions);
}

/* DELETE /auth/admin/users/{id} */
static enum auth_err
delete(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	return user_change(ctx, req, rs, auth_flow_user_delete);
}

/* PUT and DELETE /auth/admin/users/{id}/roles/{role} */
static enum auth_err
role_set(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs,
    bool grant)
{
	struct auth_client cl = auth_endpoint_client(req);
	enum auth_err e;

	if ((e = admin_on_user(ctx, req)) != AUTH_OK)
		return e;
	e = auth_flow_role_set(ctx, &cl, ctx->bearer.sub, req->path_arg,
	    req->path_arg2, grant);
	if (e == AUTH_ERR_VALIDATION)
		return auth_http_resp_field_error(rs, "role", "must be a "
		    "lower-case letter, then up to 31 of a-z, 0-9, _, : and -");
	return changed(rs, e);
}

static enum auth_err
role_grant(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	return role_set(ctx, req, rs, true);
}

static enum auth_err
role_revoke(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	return role_set(ctx, req, rs, false);
}

/* A segment the handlers look at further: printable, no % left. */
static bool
segment_ok(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] >= 0x7f || s[i] == '%')
			return false;
	return true;
}

#define ONE	USERS "/*"
static const struct auth_route routes[] = {
	{ USERS, false, NULL, AUTH_M(AUTH_GET), 0, list },
	{ ONE, true, segment_ok, AUTH_M(AUTH_GET), 0, show },
	{ ONE, true, segment_ok, AUTH_M(AUTH_DELETE), 0, delete },
	{ ONE "/disable", true, segment_ok, AUTH_M(AUTH_POST), 0, disable },
	{ ONE "/enable", true, segment_ok, AUTH_M(AUTH_POST), 0, enable },
	{ ONE "/sessions", true, segment_ok, AUTH_M(AUTH_DELETE), 0,
	    sessions },
	{ ONE "/roles/*", true, segment_ok, AUTH_M(AUTH_PUT), 0, role_grant },
	{ ONE "/roles/*", true, segment_ok, AUTH_M(AUTH_DELETE), 0,
	    role_revoke },
};

static const struct auth_endpoint endpoint = {
	.name = "admin",
	AUTH_ENDPOINT_ROUTES(routes),
	.keys = AUTH_KEYS_VERIFY,
	.needs_db = true,
	.needs_hmac = true,
	.bearer = true,
	.limits = { AUTH_RL_RULE(AUTH_RL_ADMIN_IP) },
};

AUTH_ENDPOINT_MAIN(endpoint)
