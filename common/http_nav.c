/* The `next` of the pages and its query encoding. */
#include "http_nav.h"

#include <ctype.h>
#include <string.h>

/* The value of hex digit c, or -1. */
static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* One round of the checks on s, len bytes. */
static bool
next_plain_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || s[0] != '/' || (len > 1 && (s[1] == '/' ||
	    s[1] == '\\')))
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f || c == '\\')
			return false;
	}
	/* Starting with "/", it has no scheme. */
	return true;
}

/*
 * Decodes %XX of in (len bytes) into out (len + 1 bytes). Its length, or
 * -1 for a malformed escape.
 */
static long
pct_decode(const char *in, size_t len, char *out)
{
	size_t i, o = 0;
	int h, l;

	for (i = 0; i < len; i++) {
		if (in[i] != '%') {
			out[o++] = in[i];
			continue;
		}
		if (i + 2 >= len)
			return -1;
		if ((h = hexval((unsigned char)in[i + 1])) < 0 ||
		    (l = hexval((unsigned char)in[i + 2])) < 0)
			return -1;
		out[o++] = (char)(h * 16 + l);
		i += 2;
	}
	out[o] = '\0';
	return (long)o;
}

bool
auth_http_next_ok(const char *s, size_t len)
{
	char a[AUTH_NEXT_MAX + 1], b[AUTH_NEXT_MAX + 1];
	long n;

	if (len > AUTH_NEXT_MAX || memchr(s, '\0', len) != NULL)
		return false;
	memcpy(a, s, len);
	a[len] = '\0';
	for (;;) {
		if (!next_plain_ok(a, len))
			return false;
		if (memchr(a, '%', len) == NULL)
			return true;
		if ((n = pct_decode(a, len, b)) < 0)
			return false;
		if ((size_t)n == len && memcmp(a, b, len) == 0)
			return true;
		len = (size_t)n;
		memcpy(a, b, len + 1);
	}
}

void
auth_http_next(const char *s, size_t len, char *out, size_t outsz)
{
	const char *v = AUTH_NEXT_DEFAULT;
	size_t vlen = strlen(AUTH_NEXT_DEFAULT);

	if (outsz == 0)
		return;
	if (s != NULL && auth_http_next_ok(s, len) && len < outsz) {
		v = s;
		vlen = len;
	}
	if (vlen >= outsz)
		vlen = 0;
	memcpy(out, v, vlen);
	out[vlen] = '\0';
}

int
auth_http_query_encode(const char *s, char *out, size_t outsz)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || strchr("-._~/", c) != NULL) {
			if (o + 1 >= outsz)
				return -1;
			out[o++] = (char)c;
			continue;
		}
		if (o + 3 >= outsz)
			return -1;
		out[o++] = '%';
		out[o++] = hex[c >> 4];
		out[o++] = hex[c & 15];
	}
	if (o >= outsz)
		return -1;
	out[o] = '\0';
	return 0;
}
