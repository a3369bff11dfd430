/*
 * Email verification.
 *   POST /auth/verify-email {"token"}   API: consumes the token
 *   GET  /auth/verify-email?token=T     API clients: consumes the token
 *   GET  /verify-email?token=T          the emailed link: a page whose button
 *                                       POSTs the token; never consumes it
 *   POST /verify-email (form)           that button: consumes, answers a page
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "endpoint.h"
#include "base_codec.h"
#include "base_secret.h"

#define PAGE_PATH	"/verify-email"

/* Not required here: a page without a token is a page too. */
static const struct auth_field_spec fields[] = {
	{ "token", false, 512, NULL },
	{ NULL, false, 0, NULL }
};

/* Every page of this endpoint: its title, a body of safe HTML. */
static enum auth_err
page(struct auth_resp *rs, int status, const char *body)
{
	return auth_resp_page(rs, status, "Verify your email", body);
}

/* GET of the emailed link: show the button, consume nothing. */
static enum auth_err
confirm_page(struct auth_resp *rs, const struct auth_str *tok)
{
	char body[1024], esc[AUTH_TOKEN_LEN * 6 + 1];
	enum auth_err e;
	int n;

	if (tok == NULL || !auth_token_wellformed(tok->p, tok->len) ||
	    auth_html_escape(tok->p, tok->len, esc, sizeof(esc)) < 0)
		return page(rs, 400, "<h1>This link is not valid</h1>"
		    "<p>Check that you copied the whole link from the email.</p>");
	n = snprintf(body, sizeof(body), "<h1>Verify your email address</h1>"
	    "<form method=\"post\" action=\"verify-email\">"
	    "<input type=\"hidden\" name=\"token\" value=\"%s\">"
	    "<button type=\"submit\">Verify my email address</button>"
	    "</form>", esc);
	e = n < 0 || (size_t)n >= sizeof(body) ? AUTH_ERR_INTERNAL :
	    page(rs, 200, body);
	auth_wipe(body, sizeof(body));
	auth_wipe(esc, sizeof(esc));
	return e;
}

static enum auth_err
verify(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	const struct auth_str *tok = auth_req_field(req, "token");
	struct auth_client cl = auth_req_client(req);
	bool is_page = strcmp(req->path, PAGE_PATH) == 0;
	enum auth_err e;

	if (is_page && (req->method == AUTH_GET || tok == NULL))
		return confirm_page(rs, tok);
	if (tok == NULL)
		return auth_resp_missing(rs, "token");
	e = auth_flow_verify_email(ctx, &cl, tok->p, tok->len);
	if (is_page) {
		if (e == AUTH_OK)
			return page(rs, 200, "<h1>Your email address is "
			    "verified</h1><p>You can now sign in.</p>");
		if (e == AUTH_ERR_INVALID_TOKEN)
			return page(rs, 400, "<h1>This link has expired or "
			    "was already used</h1><p>Sign in to request a new "
			    "one.</p>");
		return e;
	}
	if (e != AUTH_OK)
		return e;
	auth_resp_json(rs, 200, json_tokener_parse("{\"status\":\"verified\"}"));
	return AUTH_OK;
}

static const struct auth_endpoint endpoint = {
	.name = "verify-email",
	.path = "/auth/verify-email",
	.path2 = PAGE_PATH,
	.methods = AUTH_M(AUTH_GET) | AUTH_M(AUTH_POST),
	.fields = fields,
	.needs_db = true,
	.limits = { AUTH_RL_RULE(AUTH_RL_VERIFY_IP) },
	.handler = verify,
};

int
main(int argc, char **argv)
{
	return auth_endpoint_main(&endpoint, argc, argv);
}
