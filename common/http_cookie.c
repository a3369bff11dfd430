/* The service's cookies: names, attributes, Set-Cookie, reading back. */
#include "http_cookie.h"

#include <string.h>

#include "http_auth.h"

struct cookie_spec {
	const char	*name;		/* without the prefix */
	const char	*samesite;
};

static const struct cookie_spec cookies[AUTH_COOKIE__MAX] = {
	[AUTH_COOKIE_REFRESH] = { "authd-refresh", "Strict" },
	[AUTH_COOKIE_ACCESS] = { "authd-access", "Lax" },
	[AUTH_COOKIE_CSRF] = { "authd-csrf", "Strict" },
};

static const char *const prefixed[AUTH_COOKIE__MAX] = {
	[AUTH_COOKIE_REFRESH] = "__Host-authd-refresh",
	[AUTH_COOKIE_ACCESS] = "__Host-authd-access",
	[AUTH_COOKIE_CSRF] = "__Host-authd-csrf",
};

bool
auth_http_cookie_secure(const struct auth_config *cfg)
{
	return strncmp(cfg->public_url, "https://", 8) == 0;
}

const char *
auth_http_cookie_name(enum auth_cookie c, bool secure)
{
	if ((unsigned)c >= AUTH_COOKIE__MAX)
		return "-";
	return secure ? prefixed[c] : cookies[c].name;
}

/* A cookie value of ours: base64url or JWT characters only. */
static bool
value_ok(const char *v)
{
	return v[strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_.")] == '\0';
}

int
auth_http_cookie_set(struct auth_resp *rs, enum auth_cookie c, bool secure,
    const char *value, long max_age)
{
	if ((unsigned)c >= AUTH_COOKIE__MAX || !value_ok(value) ||
	    max_age < 0)
		return -1;
	/* Never a Domain attribute: the cookie stays with this host. */
	return auth_resp_header(rs, "Set-Cookie", "%s=%s; Path=/; Max-Age=%ld;"
	    " HttpOnly;%s SameSite=%s", auth_http_cookie_name(c, secure),
	    value, max_age, secure ? " Secure;" : "", cookies[c].samesite);
}

long
auth_http_cookie_get(const struct auth_req *r, enum auth_cookie c,
    bool secure, char *buf, size_t bufsz)
{
	if ((unsigned)c >= AUTH_COOKIE__MAX)
		return -1;
	return auth_http_cookie(r, auth_http_cookie_name(c, secure), buf,
	    bufsz);
}
