/*
 * Email verification.
 *   POST /auth/verify-email {"token"}   API: consumes the token
 *   GET  /auth/verify-email?token=T     API clients: consumes the token
 *   GET  /verify-email?token=T          the emailed link: a page whose button
 *                                       POSTs the token; never consumes it
 *   POST /verify-email (form)           that button (under the CSRF rule,
 *                                       bound to the pre-session cookie):
 *                                       consumes, answers a page
 */
#include <json-c/json.h>

#include "endpoint.h"
#include "endpoint_web.h"
#include "base_codec.h"
#include "base_secret.h"

#define API_PATH	"/auth/verify-email"
#define PAGE_PATH	"/verify-email"
#define TITLE		"Verify your email"

enum { F_TOKEN, F_CSRF, F__MAX };

static const struct auth_field_spec fields[F__MAX] = {
	[F_TOKEN] = { "token", 512, NULL },
	[F_CSRF] = { AUTH_CSRF_FIELD, 64, NULL },
};

/* GET /verify-email?token=T, the emailed link (or a POST without a token):
 * show the button, consume nothing. */
static enum auth_err
confirm_page(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	const struct auth_str *tok = req->field[F_TOKEN];
	char csrf[AUTH_CSRF_TOKEN_LEN + 1];
	struct auth_tmpl_var v[2] = { { "token", NULL }, { "csrf_token", csrf } };
	enum auth_err e;

	if (tok == NULL || !auth_token_wellformed(tok->p, tok->len))
		return auth_endpoint_page_titled(ctx, rs, 400, "link_invalid",
		    TITLE);
	if ((e = auth_endpoint_presession(ctx, req, rs, csrf)) != AUTH_OK)
		return e;
	v[0].value = tok->p;
	return auth_endpoint_page(ctx, rs, 200, "verify_confirm", v, 2);
}

/* POST /verify-email (form): that button; consumes, answers a page. */
static enum auth_err
verify_page(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	const struct auth_str *tok = req->field[F_TOKEN];
	struct auth_client cl = auth_endpoint_client(req);
	enum auth_err e;

	if (tok == NULL)
		return confirm_page(ctx, req, rs);
	if ((e = auth_endpoint_presession_check(ctx, req)) != AUTH_OK)
		return e;
	e = auth_flow_verify_email(ctx, &cl, tok->p, tok->len);
	if (e == AUTH_OK)
		return auth_endpoint_page_titled(ctx, rs, 200, "verify_done",
		    TITLE);
	if (e == AUTH_ERR_INVALID_TOKEN)
		return auth_endpoint_page_titled(ctx, rs, 400, "verify_expired",
		    TITLE);
	return e;
}

/* GET or POST /auth/verify-email: the API, consumes the token. */
static enum auth_err
verify(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	const struct auth_str *tok = req->field[F_TOKEN];
	struct auth_client cl = auth_endpoint_client(req);
	json_object *j;
	enum auth_err e;

	if ((e = auth_flow_verify_email(ctx, &cl, tok->p, tok->len)) != AUTH_OK)
		return e;
	j = auth_http_json_object();
	auth_http_json_add_str(j, "status", "verified");
	auth_http_resp_json(rs, 200, j);
	return AUTH_OK;
}

/* The page routes require nothing: a page without a token is a page too. */
static const struct auth_route routes[] = {
	{ API_PATH, false, NULL, AUTH_M(AUTH_GET) | AUTH_M(AUTH_POST),
	    AUTH_F(F_TOKEN), verify },
	{ PAGE_PATH, false, NULL, AUTH_M(AUTH_GET), 0, confirm_page },
	{ PAGE_PATH, false, NULL, AUTH_M(AUTH_POST), 0, verify_page },
};

static const struct auth_endpoint endpoint = {
	.name = "verify-email",
	AUTH_ENDPOINT_TABLES(fields, routes),
	.needs_db = true,
	.needs_hmac = true,
	.limits = { AUTH_RL_RULE(AUTH_RL_VERIFY_IP) },
};

AUTH_ENDPOINT_MAIN(endpoint)
