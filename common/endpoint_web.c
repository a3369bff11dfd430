/*
 * The browser side shared by the pages and the API's cookie paths:
 * session and pre-session cookies, the CSRF rule, redirects, error pages
 * and the stylesheet.
 */
#include "endpoint_web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "endpoint.h"
#include "hmac.h"
#include "http_csrf.h"
#include "jwt.h"
#include "log.h"
#include "base_codec.h"
#include "base_secret.h"

/* Lifetime of the pre-session cookie: long enough to fill in a form. */
#define PRESESSION_TTL	(12 * 3600)

int
auth_endpoint_csrf_token(const char *binding,
    char out[AUTH_CSRF_TOKEN_LEN + 1])
{
	unsigned char mac[AUTH_HASH_LEN];

	if (auth_hmac(AUTH_HMAC_CSRF, binding, strlen(binding), mac) != 0)
		return -1;
	auth_b64url_encode(mac, sizeof(mac), out, AUTH_CSRF_TOKEN_LEN + 1);
	auth_wipe(mac, sizeof(mac));
	return 0;
}

/* The token the request carries: the csrf_token field, else the header. */
static const char *
sent_token(const struct auth_req *req, size_t *len)
{
	const struct auth_str *f = auth_http_field(req, AUTH_CSRF_FIELD);
	const char *h;

	if (f != NULL) {
		*len = f->len;
		return f->p;
	}
	if ((h = auth_http_param(req, "HTTP_X_CSRF_TOKEN")) == NULL)
		return NULL;
	*len = strlen(h);
	return h;
}

enum auth_err
auth_endpoint_csrf_check(const struct auth_ctx *ctx,
    const struct auth_req *req, const char *binding)
{
	char want[AUTH_CSRF_TOKEN_LEN + 1];
	const char *got;
	size_t len = 0;
	bool ok;

	if (!auth_http_same_origin(req, ctx->cfg->public_url) ||
	    binding == NULL || binding[0] == '\0' ||
	    (got = sent_token(req, &len)) == NULL)
		return AUTH_ERR_CSRF_FAILED;
	if (auth_endpoint_csrf_token(binding, want) != 0)
		return AUTH_ERR_INTERNAL;
	ok = auth_ct_equal(got, len, want, AUTH_CSRF_TOKEN_LEN);
	auth_wipe(want, sizeof(want));
	return ok ? AUTH_OK : AUTH_ERR_CSRF_FAILED;
}

/* The pre-session cookie's value into buf, if well formed. */
static bool
presession_value(const struct auth_ctx *ctx, const struct auth_req *req,
    char buf[AUTH_TOKEN_LEN + 1])
{
	long n = auth_http_cookie_get(req, AUTH_COOKIE_CSRF,
	    auth_http_cookie_secure(ctx->cfg), buf, AUTH_TOKEN_LEN + 1);

	return n >= 0 && auth_token_wellformed(buf, (size_t)n);
}

enum auth_err
auth_endpoint_presession(const struct auth_ctx *ctx,
    const struct auth_req *req, struct auth_resp *rs,
    char out[AUTH_CSRF_TOKEN_LEN + 1])
{
	char v[AUTH_TOKEN_LEN + 1];
	enum auth_err e = AUTH_ERR_INTERNAL;

	if (!presession_value(ctx, req, v)) {
		if (auth_token_new(v) != 0 ||
		    auth_http_cookie_set(rs, AUTH_COOKIE_CSRF,
		    auth_http_cookie_secure(ctx->cfg), v, PRESESSION_TTL) != 0)
			goto out;
	}
	if (auth_endpoint_csrf_token(v, out) == 0)
		e = AUTH_OK;
out:
	auth_wipe(v, sizeof(v));
	return e;
}

enum auth_err
auth_endpoint_presession_check(const struct auth_ctx *ctx,
    const struct auth_req *req)
{
	char v[AUTH_TOKEN_LEN + 1];
	enum auth_err e = AUTH_ERR_CSRF_FAILED;

	if (presession_value(ctx, req, v))
		e = auth_endpoint_csrf_check(ctx, req, v);
	auth_wipe(v, sizeof(v));
	return e;
}

enum auth_err
auth_endpoint_refresh_csrf(const struct auth_ctx *ctx,
    const struct auth_req *req, const char *tok, size_t len)
{
	char sid[AUTH_UUID_LEN + 1];
	enum auth_err e;

	e = auth_flow_refresh_sid(tok, len, sid);
	if (e == AUTH_ERR_NOT_FOUND)
		return AUTH_OK;		/* nothing to change: the flow's answer */
	if (e != AUTH_OK)
		return e;
	return auth_endpoint_csrf_check(ctx, req, sid);
}

enum auth_err
auth_endpoint_refresh_input(const struct auth_ctx *ctx,
    const struct auth_req *req, struct auth_resp *rs, char *buf,
    size_t bufsz, const char **tok, size_t *len, bool *from_cookie)
{
	long n;

	n = auth_endpoint_refresh_token(ctx, req, buf, bufsz, tok,
	    from_cookie);
	if (n < 0)
		return auth_http_resp_missing(rs, "refresh_token");
	*len = (size_t)n;
	if (!*from_cookie)
		return AUTH_OK;
	return auth_endpoint_refresh_csrf(ctx, req, *tok, *len);
}

enum auth_err
auth_endpoint_session_redirect(const struct auth_ctx *ctx,
    struct auth_req *req, struct auth_resp *rs, struct auth_tokens *t,
    const char *next)
{
	enum auth_err e;

	snprintf(req->user_id, sizeof(req->user_id), "%s", t->user_id);
	if ((e = auth_endpoint_session_set(ctx, rs, t)) == AUTH_OK)
		e = auth_endpoint_redirect(rs, next);
	auth_tokens_clear(t);
	return e;
}

enum auth_err
auth_endpoint_session_set(const struct auth_ctx *ctx, struct auth_resp *rs,
    const struct auth_tokens *t)
{
	bool secure = auth_http_cookie_secure(ctx->cfg);

	if (auth_http_cookie_set(rs, AUTH_COOKIE_ACCESS, secure, t->access,
	    t->expires_in) != 0 ||
	    auth_http_cookie_set(rs, AUTH_COOKIE_REFRESH, secure, t->refresh,
	    t->refresh_expires_in) != 0)
		return AUTH_ERR_INTERNAL;
	return AUTH_OK;
}

void
auth_endpoint_session_clear(const struct auth_ctx *ctx, struct auth_resp *rs)
{
	bool secure = auth_http_cookie_secure(ctx->cfg);

	auth_http_cookie_set(rs, AUTH_COOKIE_ACCESS, secure, "", 0);
	auth_http_cookie_set(rs, AUTH_COOKIE_REFRESH, secure, "", 0);
}

/* Longest access token read from its cookie. */
#define ACCESS_COOKIE_MAX	4096

enum auth_err
auth_endpoint_access_cookie(struct auth_ctx *ctx, struct auth_req *req)
{
	char *buf = NULL;
	long n;
	enum auth_err e = AUTH_ERR_UNAUTHORIZED;

	memset(&ctx->bearer, 0, sizeof(ctx->bearer));
	if (ctx->keys == NULL || (buf = malloc(ACCESS_COOKIE_MAX)) == NULL)
		goto out;
	n = auth_http_cookie_get(req, AUTH_COOKIE_ACCESS,
	    auth_http_cookie_secure(ctx->cfg), buf, ACCESS_COOKIE_MAX);
	if (n <= 0 || auth_jwt_verify(ctx->keys, ctx->cfg, buf, (size_t)n,
	    ctx->now, &ctx->bearer) != AUTH_OK) {
		memset(&ctx->bearer, 0, sizeof(ctx->bearer));
		goto out;
	}
	snprintf(req->user_id, sizeof(req->user_id), "%s", ctx->bearer.sub);
	e = AUTH_OK;
out:
	if (buf != NULL)
		auth_wipe_free(buf, ACCESS_COOKIE_MAX);
	return e;
}

bool
auth_endpoint_has_refresh_cookie(const struct auth_ctx *ctx,
    const struct auth_req *req)
{
	char buf[AUTH_REFRESH_TOKEN_MAX + 1];
	long n = auth_http_cookie_get(req, AUTH_COOKIE_REFRESH,
	    auth_http_cookie_secure(ctx->cfg), buf, sizeof(buf));

	auth_wipe(buf, sizeof(buf));
	return n > 0;
}

enum auth_err
auth_endpoint_redirect(struct auth_resp *rs, const char *location)
{
	if (auth_resp_header(rs, "Location", "%s", location) != 0)
		return AUTH_ERR_INTERNAL;
	rs->status = 303;
	return AUTH_OK;
}

enum auth_err
auth_endpoint_redirect_next(struct auth_resp *rs, const char *base,
    const char *next)
{
	char enc[AUTH_NEXT_MAX * 3 + 1], loc[AUTH_NEXT_MAX * 3 + 64];
	int n;

	if (auth_http_query_encode(next, enc, sizeof(enc)) != 0)
		snprintf(enc, sizeof(enc), "%s", "/account");
	n = snprintf(loc, sizeof(loc), "%s?next=%s", base, enc);
	if (n < 0 || (size_t)n >= sizeof(loc))
		return AUTH_ERR_INTERNAL;
	return auth_endpoint_redirect(rs, loc);
}

void
auth_endpoint_next(const struct auth_req *req, char *out, size_t outsz)
{
	char q[AUTH_NEXT_MAX + 1];
	const struct auth_str *f = auth_http_field(req, "next");
	long n;

	if (f != NULL) {
		auth_http_next(f->p, f->len, out, outsz);
		return;
	}
	n = auth_http_query(req, "next", q, sizeof(q));
	auth_http_next(n >= 0 ? q : NULL, n >= 0 ? (size_t)n : 0, out, outsz);
}

void
auth_endpoint_error_page(const struct auth_ctx *ctx, struct auth_resp *rs,
    enum auth_err e)
{
	const struct auth_err_info *ei = auth_err_info(e);
	char status[16];
	const struct auth_tmpl_var v[3] = {
		{ "status", status }, { "title", ei->title },
		{ "detail", ei->detail },
	};

	snprintf(status, sizeof(status), "%d", ei->status);
	(void)auth_endpoint_page(ctx, rs, ei->status, "error", v, 3);
}

int
auth_endpoint_pages_dir(const struct auth_ctx *ctx, char *out, size_t outsz)
{
	int n;

	if (ctx->cfg->pages_dir[0] != '\0')
		n = snprintf(out, outsz, "%s", ctx->cfg->pages_dir);
	else
		n = snprintf(out, outsz, "%s/pages",
		    ctx->cfg->mail_templates_dir);
	return n < 0 || (size_t)n >= outsz ? -1 : 0;
}

enum auth_err
auth_endpoint_stylesheet(struct auth_ctx *ctx, struct auth_req *req,
    struct auth_resp *rs)
{
	char dir[AUTH_PATH_MAX + 8], err[512];
	char *css = NULL;
	enum auth_err e = AUTH_ERR_INTERNAL;

	(void)req;
	if (auth_endpoint_pages_dir(ctx, dir, sizeof(dir)) != 0 ||
	    (css = auth_http_tmpl_read(dir, "style", ".css", err,
	    sizeof(err))) == NULL ||
	    auth_endpoint_static(rs, css, strlen(css),
	    "text/css; charset=utf-8") != 0)
		goto out;
	e = AUTH_OK;
out:
	free(css);
	return e;
}

int
auth_endpoint_static(struct auth_resp *rs, const char *body, size_t len,
    const char *type)
{
	if (auth_http_resp_html(rs, 200, body, len) != 0)
		return -1;
	rs->content_type = type;
	rs->cacheable = true;
	auth_resp_header(rs, "Cache-Control", "public, max-age=3600");
	return 0;
}

int
auth_endpoint_fragment(const struct auth_ctx *ctx, const char *name,
    const struct auth_tmpl_var *vars, size_t nvars,
    const struct auth_tmpl_var *html, size_t nhtml, struct auth_buf *b)
{
	char dir[AUTH_PATH_MAX + 8], err[512];
	char *tmpl = NULL;
	int rc = -1;

	err[0] = '\0';
	if (auth_endpoint_pages_dir(ctx, dir, sizeof(dir)) != 0 ||
	    (tmpl = auth_http_tmpl_read(dir, name, ".html", err,
	    sizeof(err))) == NULL ||
	    auth_http_tmpl_render_with(tmpl, vars, nvars, html, nhtml,
	    AUTH_TMPL_HTML, b, err, sizeof(err)) != 0 || b->failed)
		goto out;
	rc = 0;
out:
	if (rc != 0)
		auth_log_error(NULL, "pages: fragment %s: %s", name,
		    err[0] ? err : "too long");
	free(tmpl);
	return rc;
}

/* Renders fragment name into out (outsz bytes, "" if it fails). */
static void
fragment_into(const struct auth_ctx *ctx, const char *name,
    const struct auth_tmpl_var *vars, size_t nvars, char *out, size_t outsz)
{
	struct auth_buf b;

	auth_buf_fixed(&b, out, outsz, outsz - 1);
	if (auth_endpoint_fragment(ctx, name, vars, nvars, NULL, 0, &b) != 0 ||
	    b.len == 0)
		out[0] = '\0';
}

void
auth_endpoint_field_error(const struct auth_ctx *ctx, const char *id,
    const char *reason, struct auth_page_err *pe)
{
	const struct auth_tmpl_var v[2] = { { "id", id }, { "reason", reason } };

	pe->attr[0] = pe->msg[0] = '\0';
	if (reason == NULL)
		return;
	snprintf(pe->attr, sizeof(pe->attr), " aria-invalid=\"true\" "
	    "aria-describedby=\"%s-error\"", id);
	fragment_into(ctx, "field_error", v, 2, pe->msg, sizeof(pe->msg));
}

void
auth_endpoint_notice(const struct auth_ctx *ctx, const char *text, char *out,
    size_t outsz)
{
	const struct auth_tmpl_var v = { "text", text };

	out[0] = '\0';
	if (text != NULL)
		fragment_into(ctx, "notice", &v, 1, out, outsz);
}

const char *
auth_endpoint_done(const struct auth_req *req, const struct auth_notice *t,
    size_t n)
{
	char q[32];
	size_t i;

	if (auth_http_query(req, "done", q, sizeof(q)) < 0)
		return NULL;
	for (i = 0; i < n; i++)
		if (strcmp(q, t[i].name) == 0)
			return t[i].text;
	return NULL;
}

/* cors_origins: exact origins, "scheme://host[:port]", comma separated. */
static const char *
check_origins(char *s)
{
	if (strchr(s, '*') != NULL)
		return "must list exact origins (no wildcard)";
	return NULL;
}

static const struct auth_cfg_key web_keys[] = {
	AUTH_CFG_STR(cors_origins, check_origins, ""),
	AUTH_CFG_STR(pages_dir, NULL, ""),
};

const struct auth_cfg_module auth_endpoint_web_cfg =
    AUTH_CFG_MODULE(web_keys, NULL);
