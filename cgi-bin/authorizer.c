/*
 * The web server's authorizer (FastCGI AUTHORIZER role): lighttpd
 * ("mode" => "authorizer") and Apache (mod_authnz_fcgi) ask it about each
 * request to a protected location. It checks the access token (Bearer, or
 * the access cookie) with the public keys alone, no database (Redis only
 * for a location's rate limits), and answers
 *   200 with Variable-AUTH_USER_ID, Variable-AUTH_EMAIL, Variable-AUTH_ROLES
 *       (comma-separated), which the server passes on as AUTH_USER_ID, ...
 *   302 to a person's browser without a valid access cookie (a page
 *       navigation): to /auth/session/renew?next=PATH while it holds a
 *       refresh cookie (whether that still lives, the renew step finds
 *       out), else to /login?next=PATH; PATH is the request's own path and
 *       query when auth_http_next_ok keeps it, else /account
 *   401 with WWW-Authenticate to anything else without a valid token,
 *   403 csrf_failed to a state-changing request (not GET, HEAD, OPTIONS)
 *       that carries the access cookie but not this origin,
 *   403 when a required role is missing.
 *   429 with Retry-After over a location's rate limit (an HTML page to a
 *       navigation).
 * Required role: AUTH_REQUIRE_ROLE, as a request variable set by the web
 * server for the location (lighttpd setenv.add-environment, Apache
 * SetEnvIf), and/or in the authorizer's own environment (a separate
 * authorizer instance per role); each one that is set must be held.
 * Rate limits: AUTH_RATE_LIMIT ("user=120/60, ip=600/60"), the request
 * variable, else the authorizer's environment. The ip rule counts every
 * request by client address, the user rule a token's sub, both in one
 * Redis call made before the signature is checked: an address over its
 * limit costs no signature work. The sub is read unverified for that
 * count, and given back when the signature then fails. A location without
 * the setting makes no Redis call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "endpoint.h"
#include "endpoint_web.h"
#include "http_cookie.h"
#include "http_csrf.h"
#include "http_nav.h"
#include "jwt.h"

#define RENEW_PATH	"/auth/session/renew"
#define LOGIN_PATH	"/login"
#define REQUIRE_ROLE	"AUTH_REQUIRE_ROLE"
#define RATE_LIMIT	"AUTH_RATE_LIMIT"
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

/* The answer to the verified token in ctx->bearer: 200 with its
 * Variable-* headers, or 403 without the required role. */
static enum auth_err
grant(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	const struct auth_jwt_claims *c = &ctx->bearer;
	char		 roles[AUTH_ROLES_MAX * (AUTH_ROLE_MAX + 1) + 1];
	size_t		 i, o = 0;

	snprintf(req->user_id, sizeof(req->user_id), "%s", c->sub);
	if (!role_held(c, auth_http_param(req, REQUIRE_ROLE)) ||
	    !role_held(c, getenv(REQUIRE_ROLE))) {
		auth_resp_header(rs, "WWW-Authenticate",
		    REALM ", error=\"insufficient_scope\"");
		return AUTH_ERR_FORBIDDEN;
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
	    auth_resp_header(rs, "Variable-AUTH_ROLES", "%s", roles))
		return AUTH_ERR_INTERNAL;
	rs->status = 200;
	return AUTH_OK;
}

/*
 * The 302 that sends a browser to page (RENEW_PATH or LOGIN_PATH) with
 * next: the request's path and query if kept, else AUTH_NEXT_DEFAULT.
 */
static enum auth_err
redirect(struct auth_req *req, struct auth_resp *rs, const char *page)
{
	char		 next[AUTH_NEXT_MAX + 1], enc[3 * AUTH_NEXT_MAX + 1];
	const char	*uri = auth_http_param(req, "REQUEST_URI");

	auth_http_next(uri, uri != NULL ? strlen(uri) : 0, next, sizeof(next));
	if (auth_http_query_encode(next, enc, sizeof(enc)) != 0 ||
	    auth_resp_header(rs, "Location", "%s?next=%s", page, enc))
		return AUTH_ERR_INTERNAL;
	rs->status = 302;
	return AUTH_OK;
}

/* True if the request carries cookie c (its value is not kept). */
static bool
has_cookie(const struct auth_req *req, enum auth_cookie c, bool secure)
{
	char	buf[AUTH_REFRESH_TOKEN_MAX + 1];
	bool	has = auth_http_cookie_get(req, c, secure, buf,
		    sizeof(buf)) >= 0;

	auth_wipe(buf, sizeof(buf));
	return has;
}

/* One request's count against its location's limits. */
struct gate {
	const struct auth_rl_location *loc;	/* NULL: not limited */
	struct auth_rl_item	 it[2];
	struct auth_rl_verdict	 v[2];
	size_t			 n, refused;	/* index of the refusal, or n */
	int			 ip, user;	/* index in it, or -1 */
	char			 sub[AUTH_UUID_LEN + 1];
};

/*
 * The location's limits (request variable, else environment) into g->loc:
 * AUTH_OK, NULL when unset; AUTH_ERR_INTERNAL for a value that does not
 * parse (logged), never served unlimited.
 */
static enum auth_err
gate_find(const struct auth_req *req, struct gate *g)
{
	const char	*spec = auth_http_param(req, RATE_LIMIT), *why;

	memset(g, 0, sizeof(*g));
	g->ip = g->user = -1;
	if (spec == NULL || spec[0] == '\0')
		spec = getenv(RATE_LIMIT);
	if (spec == NULL || spec[0] == '\0')
		return AUTH_OK;
	if ((g->loc = auth_rl_location(spec, &why)) == NULL)
		return AUTH_ERR_INTERNAL;
	return AUTH_OK;
}

/*
 * Counts the request (tok, len < 0 if none) in one call: by address, and
 * by the sub the token claims. True if the address is over its limit (no
 * signature work then).
 */
static bool
gate_count(struct gate *g, const struct auth_req *req, const char *tok,
    long len)
{
	if (g->loc->ip.limit != 0) {
		g->ip = (int)g->n;
		g->it[g->n++] = (struct auth_rl_item){ &g->loc->ip,
		    req->client_ip, strlen(req->client_ip), g->loc->scope };
	}
	if (g->loc->user.limit != 0 && len >= 0 &&
	    auth_jwt_peek_sub(tok, (size_t)len, g->sub) == 0) {
		g->user = (int)g->n;
		g->it[g->n++] = (struct auth_rl_item){ &g->loc->user, g->sub,
		    strlen(g->sub), g->loc->scope };
	}
	g->refused = auth_rl_check_n(g->it, g->n, g->v);
	return g->ip >= 0 && g->refused == (size_t)g->ip;
}

/*
 * The end of a limited request: a forged token's user count given back; a
 * refusal's 429 (an HTML page to a navigation), else the address's
 * RateLimit headers on an answer the client sees (not a 200).
 */
static enum auth_err
gate_end(struct gate *g, const struct auth_ctx *ctx,
    const struct auth_req *req, struct auth_resp *rs, bool valid,
    enum auth_err e)
{
	if (g->loc == NULL)
		return e;
	if (!valid && g->user >= 0 && g->refused > (size_t)g->user)
		auth_rl_undo(&g->it[g->user]);
	if (g->refused < g->n && (valid || (int)g->refused == g->ip)) {
		auth_resp_free(rs);
		auth_resp_init(rs);
		if (auth_http_navigation(req))
			auth_endpoint_error_page(ctx, rs,
			    AUTH_ERR_RATE_LIMITED);
		auth_rl_headers(&g->v[g->refused], rs);
		return AUTH_ERR_RATE_LIMITED;
	}
	if (e != AUTH_OK && g->ip >= 0)
		auth_rl_headers(&g->v[g->ip], rs);
	return e;
}

static enum auth_err
authorize(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	struct gate	 g;
	char		 cookie[AUTH_JWT_MAX + 1];
	const char	*tok = NULL;
	bool		 secure = auth_http_cookie_secure(ctx->cfg);
	long		 len = auth_http_bearer(req, &tok);
	bool		 bearer = len >= 0, valid = false;
	enum auth_err	 e = AUTH_ERR_UNAUTHORIZED;

	cookie[0] = '\0';
	if ((e = gate_find(req, &g)) != AUTH_OK)
		goto out;
	e = AUTH_ERR_UNAUTHORIZED;
	if (!bearer && (len = auth_http_cookie_get(req, AUTH_COOKIE_ACCESS,
	    secure, cookie, sizeof(cookie))) >= 0)
		tok = cookie;
	if (g.loc != NULL && gate_count(&g, req, tok, len))
		goto out;
	/* A cookie goes with requests another site makes. */
	if (!bearer && len >= 0 && !auth_http_method_safe(req->method) &&
	    !auth_http_same_origin(req, ctx->cfg->public_url)) {
		e = AUTH_ERR_CSRF_FAILED;
		goto out;
	}
	if (len >= 0 && ctx->keys != NULL && auth_jwt_verify(ctx->keys,
	    ctx->cfg, tok, (size_t)len, ctx->now, &ctx->bearer) == AUTH_OK) {
		valid = true;
		/* Over the user's limit: no grant. */
		if (!(g.loc != NULL && g.refused < g.n))
			e = grant(ctx, req, rs);
		goto out;
	}
	/* A person's browser is sent to sign in; an API call is told. */
	if (!bearer && auth_http_navigation(req)) {
		e = redirect(req, rs, has_cookie(req, AUTH_COOKIE_REFRESH,
		    secure) ? RENEW_PATH : LOGIN_PATH);
		goto out;
	}
	auth_resp_header(rs, "WWW-Authenticate", len < 0 ? REALM :
	    REALM ", error=\"invalid_token\"");
out:
	e = gate_end(&g, ctx, req, rs, valid, e);
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
