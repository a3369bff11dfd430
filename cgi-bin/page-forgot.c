/*
 * The forgotten-password page.
 *   GET  /forgot-password         the form
 *   POST /forgot-password (form)  as POST /auth/password/forgot: 303 to
 *                                 /forgot-password/sent whether or not the
 *                                 address has an account
 *   GET  /forgot-password/sent    "if an account exists, we sent a link"
 * The same rate limits as /auth/password/forgot.
 */
#include <stdio.h>

#include "endpoint.h"
#include "endpoint_web.h"

#define SENT_PATH	"/forgot-password/sent"

enum { F_EMAIL, F_CSRF, F__MAX };

static const struct auth_field_spec fields[F__MAX] = {
	[F_EMAIL] = { "email", 1024, NULL },
	[F_CSRF] = { AUTH_CSRF_FIELD, 64, NULL },
};

static enum auth_err
form(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs,
    int status, const char *why)
{
	const struct auth_str *email = req->field[F_EMAIL];
	char csrf[AUTH_CSRF_TOKEN_LEN + 1], typed[1025];
	struct auth_page_err ee;
	enum auth_err e;

	if ((e = auth_endpoint_presession(ctx, req, rs, csrf)) != AUTH_OK)
		return e;
	snprintf(typed, sizeof(typed), "%.*s", email ? (int)email->len : 0,
	    email ? email->p : "");
	auth_endpoint_field_error(ctx, "email", why, &ee);
	{
		const struct auth_tmpl_var v[] = {
			{ "csrf_token", csrf }, { "email", typed },
		};
		const struct auth_tmpl_var h[] = {
			{ "email_msg", ee.msg }, { "email_attr", ee.attr },
		};
		return auth_endpoint_page_with(ctx, rs, status, "forgot", v,
		    AUTH_NITEMS(v), h, AUTH_NITEMS(h));
	}
}

static enum auth_err
form_page(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	return form(ctx, req, rs, 200, NULL);
}

static enum auth_err
sent_page(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	(void)req;
	return auth_endpoint_page(ctx, rs, 200, "forgot_sent", NULL, 0);
}

static enum auth_err
forgot_post(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	const struct auth_str *email = req->field[F_EMAIL];
	struct auth_client cl = auth_endpoint_client(req);
	enum auth_err e;

	if ((e = auth_endpoint_presession_check(ctx, req)) != AUTH_OK)
		return e;
	if (email == NULL || auth_valid_email(email->p, email->len) != NULL) {
		if (form(ctx, req, rs, 422, "Enter a valid email address, "
		    "like name@example.com.") != AUTH_OK)
			return AUTH_ERR_INTERNAL;
		return AUTH_ERR_VALIDATION;
	}
	if ((e = auth_flow_password_forgot(ctx, &cl, email->p,
	    email->len)) != AUTH_OK)
		return e;
	return auth_endpoint_redirect(rs, SENT_PATH);
}

static const struct auth_route routes[] = {
	{ "/forgot-password", false, NULL, AUTH_M(AUTH_GET), 0, form_page },
	{ "/forgot-password", false, NULL, AUTH_M(AUTH_POST), 0, forgot_post },
	{ SENT_PATH, false, NULL, AUTH_M(AUTH_GET), 0, sent_page },
};

static const struct auth_endpoint endpoint = {
	.name = "page-forgot",
	AUTH_ENDPOINT_TABLES(fields, routes),
	.needs_db = true,
	.needs_seal = true,
	.needs_hmac = true,
	.free_gets = true,
	.limits = { AUTH_RL_RULE(AUTH_RL_FORGOT_IP),
	    AUTH_RL_RULE(AUTH_RL_FORGOT_ACCOUNT) },
};

AUTH_ENDPOINT_MAIN(endpoint)
