/*
 * Where a request comes from: the Origin / Sec-Fetch-Site half of the
 * CSRF rule, and the CORS answer for the origins cors_origins lists.
 */
#ifndef AUTH_HTTP_CSRF_H
#define AUTH_HTTP_CSRF_H

#include <stdbool.h>
#include <stddef.h>

#include "http_req.h"
#include "http_resp.h"

#define AUTH_ORIGIN_MAX	256

/*
 * The origin of url ("scheme://host[:port]", lowercased) into out. 0, or -1
 * if url has no "://" or it does not fit.
 */
int	auth_http_origin_of(const char *url, char out[AUTH_ORIGIN_MAX]);

/*
 * True if r was sent from public_url's origin: Origin equal to it, or, with
 * no Origin, Sec-Fetch-Site: same-origin.
 */
bool	auth_http_same_origin(const struct auth_req *r, const char *public_url);

/*
 * Adds the CORS headers for r's Origin if list (comma separated exact
 * origins) names it; a preflight (OPTIONS with
 * Access-Control-Request-Method) of such an origin becomes a 204. Returns
 * true if the request was a preflight that was answered.
 */
bool	auth_http_cors(const struct auth_req *r, struct auth_resp *rs,
	    const char *list);

#endif
