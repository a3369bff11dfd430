/* Device names from User-Agent strings: the first token of a table wins. */
#include "http_ua.h"

#include <stdio.h>
#include <string.h>

struct ua_name {
	const char	*token;		/* found anywhere in the User-Agent */
	const char	*name;
};

/* Order matters: Edge and Opera also say Chrome, Chrome also says Safari. */
static const struct ua_name browsers[] = {
	{ "Edg/", "Edge" }, { "OPR/", "Opera" }, { "Firefox/", "Firefox" },
	{ "Chromium/", "Chromium" }, { "Chrome/", "Chrome" },
	{ "CriOS/", "Chrome" }, { "Safari/", "Safari" }, { "curl/", "curl" },
	{ "Python-urllib/", "Python" }, { "python-requests/", "Python" },
};

/* Android and iOS before Linux and macOS, which their strings also name. */
static const struct ua_name systems[] = {
	{ "Android", "Android" }, { "iPhone", "iOS" }, { "iPad", "iPadOS" },
	{ "CrOS", "ChromeOS" }, { "Windows", "Windows" },
	{ "Mac OS X", "macOS" }, { "Macintosh", "macOS" }, { "Linux", "Linux" },
	{ "BSD", "BSD" },
};

static const char *
find(const char *ua, const struct ua_name *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strstr(ua, t[i].token) != NULL)
			return t[i].name;
	return NULL;
}

void
auth_http_device(const char *ua, char *out, size_t outsz)
{
	const char *b = NULL, *os = NULL;

	if (outsz == 0)
		return;
	if (ua != NULL) {
		b = find(ua, browsers, sizeof(browsers) / sizeof(browsers[0]));
		os = find(ua, systems, sizeof(systems) / sizeof(systems[0]));
	}
	if (b != NULL && os != NULL)
		snprintf(out, outsz, "%s on %s", b, os);
	else if (b != NULL || os != NULL)
		snprintf(out, outsz, "%s", b != NULL ? b : os);
	else
		snprintf(out, outsz, "Unknown device");
}
