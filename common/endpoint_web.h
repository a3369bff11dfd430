/*
 * What the browser pages and the API's cookie paths share: the session
 * cookies, the CSRF rule (origin and a token bound to the session, or to
 * the pre-session cookie before login), redirects, error pages, the
 * stylesheet, and the keys cors_origins and pages_dir.
 */
#ifndef AUTH_ENDPOINT_WEB_H
#define AUTH_ENDPOINT_WEB_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "flow.h"
#include "http_cookie.h"
#include "http_nav.h"
#include "http_req.h"
#include "http_resp.h"
#include "http_tmpl.h"

#define AUTH_CSRF_TOKEN_LEN	43	/* base64url of an HMAC-SHA-256 */
#define AUTH_CSRF_FIELD		"csrf_token"

/*
 * The CSRF token bound to binding (a session id, or the pre-session
 * cookie's value) into out. 0, or -1 if the HMAC key is not loaded.
 */
int	auth_endpoint_csrf_token(const char *binding,
	    char out[AUTH_CSRF_TOKEN_LEN + 1]);

/*
 * The CSRF rule for a request a cookie authenticates, bound to binding:
 * AUTH_OK if it comes from public_url's origin and carries the token
 * (csrf_token field or X-CSRF-Token header), else AUTH_ERR_CSRF_FAILED.
 */
enum auth_err auth_endpoint_csrf_check(const struct auth_ctx *ctx,
	    const struct auth_req *req, const char *binding);

/*
 * The CSRF token of a page shown before login into out: bound to the
 * pre-session cookie, which is set on rs when the request has none.
 * AUTH_OK or AUTH_ERR_INTERNAL.
 */
enum auth_err auth_endpoint_presession(const struct auth_ctx *ctx,
	    const struct auth_req *req, struct auth_resp *rs,
	    char out[AUTH_CSRF_TOKEN_LEN + 1]);

/* auth_endpoint_csrf_check bound to the pre-session cookie (absent:
 * AUTH_ERR_CSRF_FAILED). */
enum auth_err auth_endpoint_presession_check(const struct auth_ctx *ctx,
	    const struct auth_req *req);

/*
 * The CSRF rule for a refresh token that came in the refresh cookie
 * (tok, len bytes), bound to its session. AUTH_OK for a token of no
 * session (the flow answers it and changes nothing).
 */
enum auth_err auth_endpoint_refresh_csrf(const struct auth_ctx *ctx,
	    const struct auth_req *req, const char *tok, size_t len);

/*
 * The request's refresh token, *len bytes at *tok: the refresh_token
 * field, else the refresh cookie (copied to buf, *from_cookie set), which
 * must pass auth_endpoint_refresh_csrf. A 422 for neither.
 */
enum auth_err auth_endpoint_refresh_input(const struct auth_ctx *ctx,
	    const struct auth_req *req, struct auth_resp *rs, char *buf,
	    size_t bufsz, const char **tok, size_t *len, bool *from_cookie);

/* Sets both session cookies of t (Max-Age: the tokens' lifetimes). */
enum auth_err auth_endpoint_session_set(const struct auth_ctx *ctx,
	    struct auth_resp *rs, const struct auth_tokens *t);

/* Names t's user in the log line, sets both session cookies of t and
 * answers a 303 to next; wipes t. */
enum auth_err auth_endpoint_session_redirect(const struct auth_ctx *ctx,
	    struct auth_req *req, struct auth_resp *rs, struct auth_tokens *t,
	    const char *next);

/* Expires both session cookies. */
void	auth_endpoint_session_clear(const struct auth_ctx *ctx,
	    struct auth_resp *rs);

/*
 * The caller of a page: the access cookie, verified into ctx->bearer.
 * AUTH_OK, or AUTH_ERR_UNAUTHORIZED if it is absent or does not verify.
 */
enum auth_err auth_endpoint_access_cookie(struct auth_ctx *ctx,
	    struct auth_req *req);

/* True if the request carries a refresh cookie. */
bool	auth_endpoint_has_refresh_cookie(const struct auth_ctx *ctx,
	    const struct auth_req *req);

/* A 303 to location (a path of ours, checked by the caller); rs has no
 * body yet and keeps its headers. */
enum auth_err auth_endpoint_redirect(struct auth_resp *rs,
	    const char *location);

/* A 303 to base?next=<next, query-encoded>. */
enum auth_err auth_endpoint_redirect_next(struct auth_resp *rs,
	    const char *base, const char *next);

/*
 * The value of the query parameter or form field "next" of req, kept if it
 * is a path of ours (http_nav.h), else AUTH_NEXT_DEFAULT, into out.
 */
void	auth_endpoint_next(const struct auth_req *req, char *out,
	    size_t outsz);

/* Replaces the body of rs by the error page of e (its status, title and
 * detail); the headers stay. */
void	auth_endpoint_error_page(const struct auth_ctx *ctx,
	    struct auth_resp *rs, enum auth_err e);

/* The directory of the page templates: pages_dir, or
 * <mail_templates_dir>/pages. 0, or -1 if it does not fit. */
int	auth_endpoint_pages_dir(const struct auth_ctx *ctx, char *out,
	    size_t outsz);

/* GET of the stylesheet of the pages (style.css in the pages directory). */
enum auth_err auth_endpoint_stylesheet(struct auth_ctx *ctx,
	    struct auth_req *req, struct auth_resp *rs);
/* A 200 of a static file's body (copied) of media type type, cacheable
 * for an hour. 0, or -1 out of memory. */
int	auth_endpoint_static(struct auth_resp *rs, const char *body,
	    size_t len, const char *type);

/*
 * Appends page fragment name (NAME.html of the pages directory, vars
 * HTML-escaped, html as they are) to b, for an html value of a page. 0,
 * or -1 (logged).
 */
int	auth_endpoint_fragment(const struct auth_ctx *ctx, const char *name,
	    const struct auth_tmpl_var *vars, size_t nvars,
	    const struct auth_tmpl_var *html, size_t nhtml, struct auth_buf *b);

/* A field's error on a page: the attributes of its input and the message
 * after it (fragment field_error), both HTML, "" without an error. */
struct auth_page_err {
	char	attr[96];
	char	msg[1024];
};

/* Fills pe for the input of id with reason (NULL: no error). */
void	auth_endpoint_field_error(const struct auth_ctx *ctx, const char *id,
	    const char *reason, struct auth_page_err *pe);

/* The notice fragment with text into out (outsz bytes); "" for NULL. */
void	auth_endpoint_notice(const struct auth_ctx *ctx, const char *text,
	    char *out, size_t outsz);

/* A notice a page shows after an action sent it to ?done=NAME. */
struct auth_notice {
	const char	*name;
	const char	*text;
};

/* The text of the notice of t (n of them) that ?done= names, or NULL. */
const char *auth_endpoint_done(const struct auth_req *req,
	    const struct auth_notice *t, size_t n);

/* The keys cors_origins and pages_dir. */
extern const struct auth_cfg_module auth_endpoint_web_cfg;

#endif
