/*
 * The service's cookies: their names (with the __Host- prefix and Secure
 * when public_url is https, without both on a plain-http public_url),
 * their attributes, and reading them back from a request.
 */
#ifndef AUTH_HTTP_COOKIE_H
#define AUTH_HTTP_COOKIE_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "http_req.h"
#include "http_resp.h"

enum auth_cookie {
	AUTH_COOKIE_REFRESH = 0,	/* the refresh token, SameSite=Strict */
	AUTH_COOKIE_ACCESS,		/* the access token, SameSite=Lax */
	AUTH_COOKIE_CSRF,		/* before login: binds the CSRF token */
	AUTH_COOKIE__MAX
};

/* True if cfg's public_url is https: prefixed names and Secure. */
bool	auth_http_cookie_secure(const struct auth_config *cfg);

/* The name of cookie c ("__Host-authd-refresh" or "authd-refresh"). */
const char *auth_http_cookie_name(enum auth_cookie c, bool secure);

/*
 * Adds the Set-Cookie header of c with value (token characters only) that
 * lives max_age seconds (0: expires it now). 0, or -1 if it does not fit.
 */
int	auth_http_cookie_set(struct auth_resp *rs, enum auth_cookie c,
	    bool secure, const char *value, long max_age);

/* Reads cookie c into buf; its length, or -1 if absent or too long. */
long	auth_http_cookie_get(const struct auth_req *r, enum auth_cookie c,
	    bool secure, char *buf, size_t bufsz);

#endif
