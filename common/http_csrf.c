/* Origin checks for the CSRF rule and the CORS allowlist. */
#include "http_csrf.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

int
auth_http_origin_of(const char *url, char out[AUTH_ORIGIN_MAX])
{
	const char *p = strstr(url, "://");
	size_t i, len;

	if (p == NULL)
		return -1;
	len = (size_t)(p + 3 - url);
	len += strcspn(p + 3, "/?#");
	if (len >= AUTH_ORIGIN_MAX)
		return -1;
	for (i = 0; i < len; i++)
		out[i] = (char)tolower((unsigned char)url[i]);
	out[len] = '\0';
	return 0;
}

bool
auth_http_same_origin(const struct auth_req *r, const char *public_url)
{
	const char *origin = auth_http_param(r, "HTTP_ORIGIN");
	const char *site;
	char want[AUTH_ORIGIN_MAX];

	/* A page sent with Referrer-Policy: no-referrer (every page of ours)
	 * posts its forms with "Origin: null": the browser's own
	 * Sec-Fetch-Site, which no page can set, then decides. */
	if (origin == NULL || strcmp(origin, "null") == 0) {
		site = auth_http_param(r, "HTTP_SEC_FETCH_SITE");
		return site != NULL && strcmp(site, "same-origin") == 0;
	}
	if (auth_http_origin_of(public_url, want) != 0)
		return false;
	return strcasecmp(origin, want) == 0;
}

/* True if list (comma separated, spaces allowed) holds exactly origin. */
static bool
origin_listed(const char *list, const char *origin)
{
	size_t olen = strlen(origin), n;
	const char *p = list;

	if (olen == 0 || strcmp(origin, "null") == 0)
		return false;
	while (*p != '\0') {
		p += strspn(p, ", \t");
		n = strcspn(p, ", \t");
		if (n == olen && strncmp(p, origin, n) == 0)
			return true;
		p += n;
	}
	return false;
}

bool
auth_http_cors(const struct auth_req *r, struct auth_resp *rs,
    const char *list)
{
	const char *origin = auth_http_param(r, "HTTP_ORIGIN");

	auth_resp_header(rs, "Vary", "Origin");
	if (origin == NULL || list == NULL || !origin_listed(list, origin))
		return false;
	auth_resp_header(rs, "Access-Control-Allow-Origin", "%s", origin);
	auth_resp_header(rs, "Access-Control-Allow-Credentials", "true");
	if (r->method != AUTH_OPTIONS ||
	    auth_http_param(r, "HTTP_ACCESS_CONTROL_REQUEST_METHOD") == NULL)
		return false;
	auth_resp_header(rs, "Access-Control-Allow-Methods",
	    "GET, POST, DELETE");
	auth_resp_header(rs, "Access-Control-Allow-Headers",
	    "Authorization, Content-Type, X-CSRF-Token, X-Request-Id");
	auth_resp_header(rs, "Access-Control-Max-Age", "600");
	rs->status = 204;
	return true;
}
