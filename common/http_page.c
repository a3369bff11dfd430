/*
 * HTML pages from the templates in <mail_templates_dir>/pages (files an
 * operator may brand or translate), with the headers of every page.
 */
#include "http_page.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "base_codec.h"
#include "base_secret.h"

enum auth_err
auth_http_page(struct auth_resp *rs, int status, const char *dir,
    const char *name, const struct auth_tmpl_var *vars, size_t nvars)
{
	return auth_http_page_with(rs, status, dir, name, vars, nvars, NULL,
	    0);
}

enum auth_err
auth_http_page_with(struct auth_resp *rs, int status, const char *dir,
    const char *name, const struct auth_tmpl_var *vars, size_t nvars,
    const struct auth_tmpl_var *html, size_t nhtml)
{
	struct auth_buf b = AUTH_BUF_INIT(AUTH_TMPL_BUF_MAX);
	char *tmpl = NULL, err[512];
	enum auth_err e = AUTH_ERR_INTERNAL;

	err[0] = '\0';
	if ((tmpl = auth_http_tmpl_read(dir, name, ".html", err,
	    sizeof(err))) == NULL ||
	    auth_http_tmpl_render_with(tmpl, vars, nvars, html, nhtml,
	    AUTH_TMPL_HTML, &b, err, sizeof(err)) != 0)
		goto out;
	if (b.failed || b.len > AUTH_PAGE_MAX) {
		snprintf(err, sizeof(err), "page %s: larger than %d bytes",
		    name, AUTH_PAGE_MAX);
		goto out;
	}
	if (auth_http_resp_html(rs, status, b.p != NULL ? b.p : "",
	    b.len) != 0)
		goto out;
	auth_resp_header(rs, "Content-Security-Policy", "default-src 'self'; "
	    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'");
	auth_resp_header(rs, "Referrer-Policy", "no-referrer");
	auth_resp_header(rs, "X-Frame-Options", "DENY");
	e = AUTH_OK;
out:
	if (e != AUTH_OK)
		auth_log_error(NULL, "pages: %s",
		    err[0] ? err : "out of memory");
	/* A page's form may carry a one-time token. */
	auth_buf_free(&b);
	free(tmpl);
	return e;
}

int
auth_http_html_escape(const char *s, size_t len, char *out, size_t outsz)
{
	size_t i, o = 0;

	if (outsz == 0)
		return -1;
	for (i = 0; i < len; i++) {
		const char *rep = auth_http_html_entity(s[i]);
		size_t rlen = rep ? strlen(rep) : 1;

		if (outsz - o <= rlen)
			return -1;
		if (rep)
			memcpy(out + o, rep, rlen);
		else
			out[o] = s[i];
		o += rlen;
	}
	out[o] = '\0';
	return (int)o;
}
