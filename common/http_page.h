/*
 * HTML pages from templates: templates/pages/NAME.html, rendered with
 * {{name}} values HTML-escaped, sent with the headers every page of ours
 * carries (a strict Content-Security-Policy, no Referer, no framing).
 */
#ifndef AUTH_HTTP_PAGE_H
#define AUTH_HTTP_PAGE_H

#include <stddef.h>

#include "http_tmpl.h"
#include "base_err.h"
#include "http_resp.h"

#define AUTH_PAGE_MAX	(128 * 1024)	/* bytes of a rendered page */

/*
 * Sets page name of directory dir rendered with vars as the body of rs.
 * AUTH_OK, or AUTH_ERR_INTERNAL (logged) if it does not load or render.
 */
enum auth_err auth_http_page(struct auth_resp *rs, int status,
	    const char *dir, const char *name, const struct auth_tmpl_var *vars,
	    size_t nvars);

/* auth_http_page with the values html too, HTML already (see
 * auth_http_tmpl_render_with). */
enum auth_err auth_http_page_with(struct auth_resp *rs, int status,
	    const char *dir, const char *name, const struct auth_tmpl_var *vars,
	    size_t nvars, const struct auth_tmpl_var *html, size_t nhtml);

/* Appends s to b escaped for HTML text or attribute context. */
int	auth_http_html_escape(const char *s, size_t len, char *out,
	    size_t outsz);

#endif
