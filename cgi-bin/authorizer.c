/*
 * The web server's authorizer (FastCGI AUTHORIZER role): lighttpd
 * ("mode" => "authorizer") and Apache (mod_authnz_fcgi) ask it about each
 * request to a protected location. It checks the access token (Bearer, or
 * the access_token cookie) with the public keys alone, no database or
 * Redis, and answers
 *   200 with Variable-AUTH_USER_ID, Variable-AUTH_EMAIL, Variable-AUTH_ROLES
 *       (comma-separated), which the server passes on as AUTH_USER_ID, ...
 *   401 with WWW-Authenticate when the token is missing or invalid,
 *   403 when a required role is missing.
 * Required role: AUTH_REQUIRE_ROLE, as a request variable set by the web
 * server for the location (lighttpd setenv.add-environment, Apache
 * SetEnvIf), and/or in the authorizer's own environment (a separate
 * authorizer instance per role); each one that is set must be held.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "endpoint.h"
#include "jwt.h"

#define ACCESS_COOKIE	"access_token"
#define REQUIRE_ROLE	"AUTH_REQUIRE_ROLE"
#define REALM		"Bearer realm=\"auth\""

/* True if a role name is safe to pass on in a comma-separated header. */
static bool
role_plain(const char *r)
{
	size_t	i;

	for (i = 0; r[i] != '\0'; i++)
		if (!((r[i] >= 'a' && r[i] <= 'z') || (r[i] >= 'A' &&
		    r[i] <= 'Z') || (r[i] >= '0' && r[i] <= '9') ||
		    strchr("_.:-", r[i]) != NULL))
			return false;
	return i > 0;
}

/* True if want is NULL or empty, or one of the caller's roles. */
static bool
role_held(const struct auth_jwt_claims *c, const char *want)
{
	size_t	i;

	if (want == NULL || want[0] == '\0')
		return true;
	for (i = 0; i < c->nroles; i++)
		if (strcmp(c->roles[i], want) == 0)
			return true;
	return false;
}

static enum auth_err
authorize(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	const struct auth_jwt_claims *c = &ctx->bearer;
	char		 cookie[AUTH_JWT_MAX + 1], roles[AUTH_ROLES_MAX *
			    (AUTH_ROLE_MAX + 1) + 1];
	const char	*tok = NULL;
	long		 len;
	size_t		 i, o = 0;
	enum auth_err	 e = AUTH_ERR_UNAUTHORIZED;

	if ((len = auth_http_bearer(req, &tok)) < 0 &&
	    (len = auth_http_cookie(req, ACCESS_COOKIE, cookie,
	    sizeof(cookie))) >= 0)
		tok = cookie;
	if (len < 0) {
		auth_resp_header(rs, "WWW-Authenticate", REALM);
		goto out;
	}
	if (ctx->keys == NULL || auth_jwt_verify(ctx->keys, ctx->cfg, tok,
	    (size_t)len, ctx->now, &ctx->bearer) != AUTH_OK) {
		auth_resp_header(rs, "WWW-Authenticate",
		    REALM ", error=\"invalid_token\"");
		goto out;
	}
	snprintf(req->user_id, sizeof(req->user_id), "%s", c->sub);
	if (!role_held(c, auth_http_param(req, REQUIRE_ROLE)) ||
	    !role_held(c, getenv(REQUIRE_ROLE))) {
		auth_resp_header(rs, "WWW-Authenticate",
		    REALM ", error=\"insufficient_scope\"");
		e = AUTH_ERR_FORBIDDEN;
		goto out;
	}
	roles[0] = '\0';
	for (i = 0; i < c->nroles && o < sizeof(roles); i++) {
		if (!role_plain(c->roles[i]))
			continue;
		o += (size_t)snprintf(roles + o, sizeof(roles) - o, "%s%s",
		    o > 0 ? "," : "", c->roles[i]);
	}
	if (auth_resp_header(rs, "Variable-AUTH_USER_ID", "%s", c->sub) ||
	    auth_resp_header(rs, "Variable-AUTH_EMAIL", "%s", c->email) ||
	    auth_resp_header(rs, "Variable-AUTH_ROLES", "%s", roles)) {
		e = AUTH_ERR_INTERNAL;
		goto out;
	}
	rs->status = 200;
	e = AUTH_OK;
out:
	if (tok == cookie)
		auth_wipe(cookie, sizeof(cookie));
	return e;
}

/* The AUTHORIZER role is asked about every path and method. */
static const struct auth_route routes[] = {
	{ "/", false, NULL, ~0u, 0, authorize },
};

static const struct auth_endpoint endpoint = {
	.name = "authorizer",
	.routes = routes,
	.nroutes = AUTH_NITEMS(routes),
	.keys = AUTH_KEYS_VERIFY,
	.authorizer = true,
};

int
main(int argc, char **argv)
{
	return auth_endpoint_main(&endpoint, argc, argv);
}
