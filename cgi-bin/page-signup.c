/*
 * The sign-up page.
 *   GET  /signup              the form
 *   POST /signup (form)       signs up as POST /auth/signup does, 303 to
 *                             /signup/check-email for a new and an existing
 *                             address alike; else the form with the error
 *                             next to its field
 *   GET  /signup/check-email  "check your email"
 * The same rate limits as /auth/signup.
 */
#include <stdio.h>

#include "endpoint.h"
#include "endpoint_web.h"
#include "password.h"

#define SENT_PATH	"/signup/check-email"

enum { F_EMAIL, F_PASSWORD, F_CSRF, F__MAX };

static const struct auth_field_spec fields[F__MAX] = {
	[F_EMAIL] = { "email", 1024, NULL },
	[F_PASSWORD] = { "password", AUTH_PW_MAX_BYTES, NULL },
	[F_CSRF] = { AUTH_CSRF_FIELD, 64, NULL },
};

/* The form with status, the typed email and the fields' reasons. */
static enum auth_err
form(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs,
    int status, const char *email_why, const char *pw_why)
{
	const struct auth_str *email = req->field[F_EMAIL];
	char csrf[AUTH_CSRF_TOKEN_LEN + 1], typed[1025];
	struct auth_page_err ee, pe;
	enum auth_err e;

	if ((e = auth_endpoint_presession(ctx, req, rs, csrf)) != AUTH_OK)
		return e;
	snprintf(typed, sizeof(typed), "%.*s", email ? (int)email->len : 0,
	    email ? email->p : "");
	auth_endpoint_field_error(ctx, "email", email_why, &ee);
	auth_endpoint_field_error(ctx, "password", pw_why, &pe);
	{
		const struct auth_tmpl_var v[] = {
			{ "csrf_token", csrf }, { "email", typed },
		};
		const struct auth_tmpl_var h[] = {
			{ "email_msg", ee.msg }, { "email_attr", ee.attr },
			{ "password_msg", pe.msg }, { "password_attr", pe.attr },
		};
		return auth_endpoint_page_with(ctx, rs, status, "signup", v,
		    AUTH_NITEMS(v), h, AUTH_NITEMS(h));
	}
}

static enum auth_err
form_page(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	return form(ctx, req, rs, 200, NULL, NULL);
}

static enum auth_err
sent_page(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	(void)req;
	return auth_endpoint_page(ctx, rs, 200, "signup_sent", NULL, 0);
}

/* The form again (status of e) with the field errors; returns e. */
static enum auth_err
again(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs,
    enum auth_err e, const char *email_why, const char *pw_why)
{
	if (form(ctx, req, rs, auth_err_info(e)->status, email_why,
	    pw_why) != AUTH_OK)
		return AUTH_ERR_INTERNAL;
	return e;
}

static enum auth_err
signup_post(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	const struct auth_str *email = req->field[F_EMAIL];
	const struct auth_str *pw = req->field[F_PASSWORD];
	struct auth_client cl = auth_endpoint_client(req);
	const char *weak = NULL, *bad_email = NULL;
	char why[160];
	struct auth_user u;
	bool created;
	enum auth_err e;

	if ((e = auth_endpoint_presession_check(ctx, req)) != AUTH_OK)
		return e;
	bad_email = email == NULL ? "Enter your email address." :
	    auth_valid_email(email->p, email->len) != NULL ?
	    "Enter a valid email address, like name@example.com." : NULL;
	if (bad_email != NULL || pw == NULL || pw->len == 0)
		return again(ctx, req, rs, AUTH_ERR_VALIDATION, bad_email,
		    pw == NULL || pw->len == 0 ? "Choose a password." : NULL);
	e = auth_flow_signup(ctx, &cl, email->p, email->len, pw->p, pw->len,
	    &u, &created, &weak);
	auth_wipe(&u, sizeof(u));
	if (e == AUTH_ERR_VALIDATION) {
		snprintf(why, sizeof(why), "Password: %s.",
		    weak != NULL ? weak : "does not do");
		return again(ctx, req, rs, e, weak ? NULL :
		    "Enter a valid email address.", weak ? why : NULL);
	}
	if (e == AUTH_ERR_EMAIL_TAKEN)
		return again(ctx, req, rs, e, "An account with this address "
		    "exists already: sign in instead.", NULL);
	if (e != AUTH_OK)
		return e;
	return auth_endpoint_redirect(rs, SENT_PATH);
}

static const struct auth_route routes[] = {
	{ "/signup", false, NULL, AUTH_M(AUTH_GET), 0, form_page },
	{ "/signup", false, NULL, AUTH_M(AUTH_POST), 0, signup_post },
	{ SENT_PATH, false, NULL, AUTH_M(AUTH_GET), 0, sent_page },
};

static const struct auth_endpoint endpoint = {
	.name = "page-signup",
	AUTH_ENDPOINT_TABLES(fields, routes),
	.needs_db = true,
	.needs_seal = true,
	.needs_hmac = true,
	.free_gets = true,
	.hash_passwords = true,
	.limits = { AUTH_RL_RULE(AUTH_RL_SIGNUP_IP) },
};

AUTH_ENDPOINT_MAIN(endpoint)
