/*
 * The sign-in page.
 *   GET  /login?next=PATH   the form (its CSRF token bound to the
 *                           pre-session cookie)
 *   POST /login (form)      signs in as POST /auth/login does: sets the
 *                           session cookies, 303 to next (or /account);
 *                           else the form again with one error
 * The same rate limits as /auth/login.
 */
#include <stdio.h>
#include <string.h>

#include "endpoint.h"
#include "endpoint_web.h"
#include "password.h"

enum { F_EMAIL, F_PASSWORD, F_NEXT, F_CSRF, F__MAX };

static const struct auth_field_spec fields[F__MAX] = {
	[F_EMAIL] = { "email", 1024, NULL },
	[F_PASSWORD] = { "password", AUTH_PW_MAX_BYTES, NULL },
	[F_NEXT] = { "next", AUTH_NEXT_MAX, NULL },
	[F_CSRF] = { AUTH_CSRF_FIELD, 64, NULL },
};

/* The notices other pages send here with ?done=NAME. */
static const struct auth_notice notices[] = {
	{ "signed-out", "You are signed out." },
	{ "signed-out-everywhere", "You are signed out on every device." },
	{ "password-reset", "Your password is changed. Sign in with it." },
	{ "account-deleted", "Your account is deleted." },
};


/* The form with status, the typed email (never the password) and reason. */
static enum auth_err
form(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs,
    int status, const char *reason)
{
	const struct auth_str *email = req->field[F_EMAIL];
	char csrf[AUTH_CSRF_TOKEN_LEN + 1], next[AUTH_NEXT_MAX + 1];
	char typed[1025], notice[1024];
	struct auth_page_err pe;
	enum auth_err e;

	if ((e = auth_endpoint_presession(ctx, req, rs, csrf)) != AUTH_OK)
		return e;
	auth_endpoint_next(req, next, sizeof(next));
	snprintf(typed, sizeof(typed), "%.*s", email ? (int)email->len : 0,
	    email ? email->p : "");
	auth_endpoint_field_error(ctx, "login", reason, &pe);
	auth_endpoint_notice(ctx, reason ? NULL : auth_endpoint_done(req,
	    notices, AUTH_NITEMS(notices)), notice, sizeof(notice));
	{
		const struct auth_tmpl_var v[] = {
			{ "csrf_token", csrf }, { "next", next },
			{ "email", typed },
		};
		const struct auth_tmpl_var h[] = {
			{ "form_msg", pe.msg }, { "form_attr", pe.attr },
			{ "notice", notice },
		};
		return auth_endpoint_page_with(ctx, rs, status, "login", v,
		    AUTH_NITEMS(v), h, AUTH_NITEMS(h));
	}
}

static enum auth_err
form_page(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	return form(ctx, req, rs, 200, NULL);
}

/* The form again for a refused sign-in e, or e itself for an outage. */
static enum auth_err
refused(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs,
    enum auth_err e)
{
	const char *why;

	switch (e) {
	case AUTH_ERR_INVALID_CREDENTIALS:
		why = "The email address or the password is not right.";
		break;
	case AUTH_ERR_EMAIL_NOT_VERIFIED:
		why = "Verify your email address first: open the link we "
		    "sent you.";
		break;
	case AUTH_ERR_ACCOUNT_DISABLED:
		why = "This account is disabled.";
		break;
	case AUTH_ERR_RATE_LIMITED:
		why = "Too many attempts. Wait a moment, then try again.";
		break;
	default:
		return e;
	}
	if (form(ctx, req, rs, auth_err_info(e)->status, why) != AUTH_OK)
		return AUTH_ERR_INTERNAL;
	return e;
}

static enum auth_err
login_post(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	const struct auth_str *email = req->field[F_EMAIL];
	const struct auth_str *pw = req->field[F_PASSWORD];
	struct auth_client cl = auth_endpoint_client(req);
	char next[AUTH_NEXT_MAX + 1];
	struct auth_tokens t;
	enum auth_err e;

	if ((e = auth_endpoint_presession_check(ctx, req)) != AUTH_OK)
		return e;
	if (email == NULL || pw == NULL) {
		form(ctx, req, rs, 422, "Enter your email address and your "
		    "password.");
		return AUTH_ERR_VALIDATION;
	}
	e = auth_flow_login(ctx, &cl, email->p, email->len, pw->p, pw->len,
	    &t);
	if (e != AUTH_OK)
		return refused(ctx, req, rs, e);
	auth_endpoint_next(req, next, sizeof(next));
	return auth_endpoint_session_redirect(ctx, req, rs, &t, next);
}

static const struct auth_route routes[] = {
	{ "/login", false, NULL, AUTH_M(AUTH_GET), 0, form_page },
	{ "/login", false, NULL, AUTH_M(AUTH_POST), 0, login_post },
};

static const struct auth_endpoint endpoint = {
	.name = "page-login",
	AUTH_ENDPOINT_TABLES(fields, routes),
	.keys = AUTH_KEYS_SIGN,
	.needs_db = true,
	.needs_hmac = true,
	.free_gets = true,
	.hash_passwords = true,
	.limits = { AUTH_RL_RULE(AUTH_RL_LOGIN_IP) },
	/* login_ip goes with the gate and login_account, in one Redis call. */
	.defer_ip = true,
};

AUTH_ENDPOINT_MAIN(endpoint)
