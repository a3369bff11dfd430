/*
 * A person's browser: whether a request is a page navigation, whether it
 * came from this origin, and the `next` path a sign-in returns to.
 */
#ifndef AUTH_HTTP_NAV_H
#define AUTH_HTTP_NAV_H

#include <stdbool.h>
#include <stddef.h>

#include "base_buf.h"
#include "http_req.h"

/* Longest `next` path kept; a longer one becomes the default. */
#define AUTH_NEXT_MAX	1024
/* Where a sign-in goes when `next` is absent or not kept. */
#define AUTH_NEXT_DEFAULT	"/account"

/*
 * True if s (len bytes, as sent: percent-encoded) may be a `next` path: it
 * starts with a single '/' (not "//" or "/\"), so it names no scheme or
 * host, and has no control character and no backslash, both as sent and
 * after each round of percent-decoding.
 */
bool	auth_http_next_ok(const char *s, size_t len);

/*
 * True if r is a page navigation of a browser: Sec-Fetch-Mode: navigate,
 * or an Accept header that prefers text/html to application/json.
 */
bool	auth_http_navigation(const struct auth_req *r);

/*
 * True if r came from the origin of public_url: its Origin header equals
 * that origin, or, without an Origin, Sec-Fetch-Site is same-origin.
 */
bool	auth_http_same_origin(const struct auth_req *r, const char *public_url);

/* True for the methods that change nothing: GET, HEAD, OPTIONS. */
bool	auth_http_method_safe(enum auth_method m);

/*
 * Appends s (len bytes) to b percent-encoded for a query value: every
 * byte but ALPHA, DIGIT and "-._~" as %XX. false once b has failed.
 */
bool	auth_http_query_encode(struct auth_buf *b, const char *s, size_t len);

#endif
