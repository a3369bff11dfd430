/* What authenticates a request: cookies and the Bearer token. */
#ifndef AUTH_HTTP_AUTH_H
#define AUTH_HTTP_AUTH_H

#include <stddef.h>

#include "http_req.h"

/*
 * Finds cookie name in the Cookie header; copies its value into buf.
 * Returns the value length, or -1 if absent or too long.
 */
long	auth_http_cookie(const struct auth_req *r, const char *name, char *buf,
	    size_t bufsz);

/*
 * Extracts the Bearer token from Authorization. Returns its length and
 * points *tok at it, or -1 if the header is absent or not a Bearer token.
 */
long	auth_http_bearer(const struct auth_req *r, const char **tok);

#endif
