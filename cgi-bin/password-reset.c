/*
 * Password reset.
 *   POST /auth/password/reset {"token","password"}  API: 204, every session
 *                                                   revoked
 *   GET  /reset-password?token=T   the emailed link: a form with the token
 *                                  hidden and a new-password field; never
 *                                  consumes the token
 *   POST /reset-password (form)    that form: resets, answers a page
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "endpoint.h"
#include "password.h"
#include "base_codec.h"
#include "base_secret.h"

#define API_PATH	"/auth/password/reset"
#define PAGE_PATH	"/reset-password"

/* Not required here: the page answers a missing field with a page. */
static const struct auth_field_spec fields[] = {
	{ "token", false, 512, NULL },
	{ "password", false, AUTH_PW_MAX_BYTES, NULL },
	{ NULL, false, 0, NULL }
};

/* Every page of this endpoint: its title, a body of safe HTML. */
static enum auth_err
page(struct auth_resp *rs, int status, const char *body)
{
	return auth_resp_page(rs, status, "Choose a new password", body);
}

static enum auth_err
bad_link_page(struct auth_resp *rs)
{
	return page(rs, 400, "<h1>This link is not valid</h1>"
	    "<p>Check that you copied the whole link from the email.</p>");
}

/* The form: token hidden, a new password; reason (static text) above it. */
static enum auth_err
form_page(struct auth_resp *rs, int status, const struct auth_str *tok,
    const char *reason)
{
	char body[2048], esc[AUTH_TOKEN_LEN * 6 + 1], why[512];
	enum auth_err e;
	int n;

	if (tok == NULL || !auth_token_wellformed(tok->p, tok->len) ||
	    auth_html_escape(tok->p, tok->len, esc, sizeof(esc)) < 0)
		return bad_link_page(rs);
	why[0] = '\0';
	if (reason != NULL && auth_html_escape(reason, strlen(reason), why,
	    sizeof(why)) < 0)
		return AUTH_ERR_INTERNAL;
	n = snprintf(body, sizeof(body), "<h1>Choose a new password</h1>"
	    "%s%s%s"
	    "<form method=\"post\" action=\"reset-password\">"
	    "<input type=\"hidden\" name=\"token\" value=\"%s\">"
	    "<label>New password "
	    "<input type=\"password\" name=\"password\" "
	    "autocomplete=\"new-password\" minlength=\"8\" required></label>"
	    "<button type=\"submit\">Set my new password</button>"
	    "</form>", why[0] ? "<p role=\"alert\">New password: " : "", why,
	    why[0] ? ".</p>" : "", esc);
	e = n < 0 || (size_t)n >= sizeof(body) ? AUTH_ERR_INTERNAL :
	    page(rs, status, body);
	auth_wipe(body, sizeof(body));
	auth_wipe(esc, sizeof(esc));
	return e;
}

/* 422 naming each missing field. */
static enum auth_err
missing(struct auth_resp *rs, const struct auth_str *tok,
    const struct auth_str *pw)
{
	json_object *errors = json_object_new_object();

	if (errors != NULL && tok == NULL)
		json_object_object_add(errors, "token",
		    json_object_new_string("is required"));
	if (errors != NULL && pw == NULL)
		json_object_object_add(errors, "password",
		    json_object_new_string("is required"));
	auth_resp_problem(rs, AUTH_ERR_VALIDATION, errors);
	return AUTH_ERR_VALIDATION;
}

static enum auth_err
reset(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	const struct auth_str *tok = auth_req_field(req, "token");
	const struct auth_str *pw = auth_req_field(req, "password");
	struct auth_client cl = auth_req_client(req);
	bool is_page = strcmp(req->path, PAGE_PATH) == 0;
	const char *weak = NULL;
	enum auth_err e;

	if (!is_page && req->method != AUTH_POST) {
		auth_resp_header(rs, "Allow", "POST");
		return AUTH_ERR_METHOD_NOT_ALLOWED;
	}
	if (is_page && req->method == AUTH_GET)
		return form_page(rs, 200, tok, NULL);
	if (tok == NULL || pw == NULL) {
		if (is_page)
			return form_page(rs, 422, tok, "required");
		return missing(rs, tok, pw);
	}
	e = auth_flow_password_reset(ctx, &cl, tok->p, tok->len, pw->p,
	    pw->len, &weak);
	if (is_page) {
		if (e == AUTH_OK)
			return page(rs, 200, "<h1>Your password is changed"
			    "</h1><p>You can now sign in with it. Every "
			    "device that was signed in has been signed out."
			    "</p>");
		if (e == AUTH_ERR_INVALID_TOKEN)
			return page(rs, 400, "<h1>This link has expired or "
			    "was already used</h1><p>Ask for a new one from "
			    "the sign-in page.</p>");
		if (e == AUTH_ERR_VALIDATION && weak != NULL)
			return form_page(rs, 422, tok, weak);
		return e;
	}
	if (e == AUTH_ERR_VALIDATION && weak != NULL)
		return auth_resp_field_error(rs, "password", weak);
	if (e != AUTH_OK)
		return e;
	rs->status = 204;
	return AUTH_OK;
}

static const struct auth_endpoint endpoint = {
	.name = "password-reset",
	.path = API_PATH,
	.path2 = PAGE_PATH,
	.methods = AUTH_M(AUTH_GET) | AUTH_M(AUTH_POST),
	.fields = fields,
	.needs_db = true,
	.hash_passwords = true,
	.limits = { AUTH_RL_RULE(AUTH_RL_RESET_IP) },
	.handler = reset,
};

int
main(int argc, char **argv)
{
	return auth_endpoint_main(&endpoint, argc, argv);
}
