/*
 * Where a browser is sent next: the `next` parameter of the pages, kept
 * only if it is a path on this origin, and its encoding as a query value;
 * whether a request is a page navigation.
 */
#ifndef AUTH_HTTP_NAV_H
#define AUTH_HTTP_NAV_H

#include <stdbool.h>
#include <stddef.h>

#include "http_req.h"

#define AUTH_NEXT_MAX		1024	/* bytes of a kept next */
#define AUTH_NEXT_DEFAULT	"/account"

/*
 * True if s (len bytes, already decoded once from the query) is a path on
 * this origin: a single leading "/", not "//" or "/\", no scheme, no
 * control character, space, non-ASCII byte or backslash, also after
 * percent-decoding it again (repeatedly).
 */
bool	auth_http_next_ok(const char *s, size_t len);

/* Copies s into out (outsz bytes) if auth_http_next_ok, else
 * AUTH_NEXT_DEFAULT. */
void	auth_http_next(const char *s, size_t len, char *out, size_t outsz);

/*
 * Percent-encodes s for a query value into out (NUL-terminated): letters,
 * digits and "-._~/" stay. 0, or -1 if it does not fit.
 */
int	auth_http_query_encode(const char *s, char *out, size_t outsz);

/*
 * True if r is a page navigation of a browser: Sec-Fetch-Mode: navigate,
 * or an Accept header that prefers text/html to application/json.
 */
bool	auth_http_navigation(const struct auth_req *r);

/* True for the methods that change nothing: GET, HEAD, OPTIONS. */
bool	auth_http_method_safe(enum auth_method m);

#endif
