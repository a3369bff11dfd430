/*
 * Password reset.
 *   POST /auth/password/reset {"token","password"}  API: 204, every session
 *                                                   revoked
 *   GET  /reset-password?token=T   the emailed link: a form with the token
 *                                  hidden and a new-password field; never
 *                                  consumes the token
 *   POST /reset-password (form)    that form: resets, 303 to /login
 */
#include "endpoint.h"
#include "endpoint_web.h"
#include "password.h"
#include "base_codec.h"
#include "base_secret.h"

#define API_PATH	"/auth/password/reset"
#define PAGE_PATH	"/reset-password"

#define TITLE		"Choose a new password"

enum { F_TOKEN, F_PASSWORD, F_CSRF, F__MAX };

static const struct auth_field_spec fields[F__MAX] = {
	[F_TOKEN] = { "token", 512, NULL },
	[F_PASSWORD] = { "password", AUTH_PW_MAX_BYTES, NULL },
	[F_CSRF] = { AUTH_CSRF_FIELD, 64, NULL },
};

/* The form: token hidden, a new password; reason (static text) next to
 * it. */
static enum auth_err
form(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs,
    int status, const char *reason)
{
	const struct auth_str *tok = req->field[F_TOKEN];
	char csrf[AUTH_CSRF_TOKEN_LEN + 1];
	struct auth_tmpl_var v[3] = { { "token", NULL },
	    { "csrf_token", csrf }, { "reason", reason } };
	enum auth_err e;

	if (tok == NULL || !auth_token_wellformed(tok->p, tok->len))
		return auth_endpoint_page_titled(ctx, rs, 400, "link_invalid",
		    TITLE);
	if ((e = auth_endpoint_presession(ctx, req, rs, csrf)) != AUTH_OK)
		return e;
	v[0].value = tok->p;
	if (reason == NULL)
		return auth_endpoint_page(ctx, rs, status, "reset_form", v, 2);
	return auth_endpoint_page(ctx, rs, status, "reset_form_retry", v, 3);
}

/* GET /reset-password?token=T, the emailed link: never consumes it. */
static enum auth_err
form_page(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	return form(ctx, req, rs, 200, NULL);
}

/* Resets the password with the token and password of the request. */
static enum auth_err
reset_with(struct auth_ctx *ctx, struct auth_req *req, const char **weak)
{
	const struct auth_str *tok = req->field[F_TOKEN];
	const struct auth_str *pw = req->field[F_PASSWORD];
	struct auth_client cl = auth_endpoint_client(req);

	return auth_flow_password_reset(ctx, &cl, tok->p, tok->len, pw->p,
	    pw->len, weak);
}

/* POST /reset-password (form), under the CSRF rule (the pre-session
 * cookie): resets, 303 to the login page; else a page. */
static enum auth_err
reset_page(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	const struct auth_str *tok = req->field[F_TOKEN];
	const char *weak = NULL;
	enum auth_err e;

	if ((e = auth_endpoint_presession_check(ctx, req)) != AUTH_OK)
		return e;
	if (tok == NULL || req->field[F_PASSWORD] == NULL)
		return form(ctx, req, rs, 422, "required");
	e = reset_with(ctx, req, &weak);
	if (e == AUTH_OK)
		return auth_endpoint_redirect(rs, "/login?done=password-reset");
	if (e == AUTH_ERR_INVALID_TOKEN)
		return auth_endpoint_page_titled(ctx, rs, 400, "reset_expired",
		    TITLE);
	if (e == AUTH_ERR_VALIDATION && weak != NULL)
		return form(ctx, req, rs, 422, weak);
	return e;
}

/* POST /auth/password/reset: the API. */
static enum auth_err
reset(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	const char *weak = NULL;
	enum auth_err e;

	e = reset_with(ctx, req, &weak);
	if (e == AUTH_ERR_VALIDATION && weak != NULL)
		return auth_http_resp_field_error(rs, "password", weak);
	if (e != AUTH_OK)
		return e;
	rs->status = 204;
	return AUTH_OK;
}

/* The page answers a missing field with a page: it requires nothing. */
static const struct auth_route routes[] = {
	{ API_PATH, false, NULL, AUTH_M(AUTH_POST),
	    AUTH_F(F_TOKEN) | AUTH_F(F_PASSWORD), reset },
	{ PAGE_PATH, false, NULL, AUTH_M(AUTH_GET), 0, form_page },
	{ PAGE_PATH, false, NULL, AUTH_M(AUTH_POST), 0, reset_page },
};

static const struct auth_endpoint endpoint = {
	.name = "password-reset",
	AUTH_ENDPOINT_TABLES(fields, routes),
	.needs_db = true,
	.needs_hmac = true,
	.hash_passwords = true,
	.limits = { AUTH_RL_RULE(AUTH_RL_RESET_IP) },
};

AUTH_ENDPOINT_MAIN(endpoint)
