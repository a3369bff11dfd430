/*
 * GET /auth/static/style.css: the one stylesheet of the pages (style.css
 * of the pages directory), cacheable; no database, no limits.
 */
#include "endpoint.h"
#include "endpoint_web.h"

static const struct auth_route routes[] = {
	{ "/auth/static/style.css", false, NULL, AUTH_M(AUTH_GET), 0,
	    auth_endpoint_stylesheet },
};

static const struct auth_endpoint endpoint = {
	.name = "page-static",
	.fields = NULL,
	.nfields = 0,
	AUTH_ENDPOINT_ROUTES(routes),
};

AUTH_ENDPOINT_MAIN(endpoint)
